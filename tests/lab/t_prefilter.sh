#!/usr/bin/env bash
# The XDP prefilter in the lab, two client namespaces on one dp0: a blocked
# source gets no answer while the other does (IPv4 and IPv6); the rules
# survive a popd restart and are in the maps of a restarted popdp's new
# program; a flood over the per-source rate from one client is dropped in
# XDP (the counters say so) while the second client keeps at least 99% of
# its DNS answers; when popdp stops no program stays attached. Then the
# same rules on af_packet, in popdp's software first stage.
set -u
. "$(dirname "$0")/lib.sh"
LAB=$(unique_name pf)
LAB2=$(unique_name ps)
LABS="$LAB $LAB2"
work=$(mktemp -d)
trap 'for l in $LABS; do "$POP_LAB" down "$l" >/dev/null 2>&1; done; rm -rf "$work"' EXIT

if [ "$(id -u)" != 0 ]; then
	skip "prefilter lab" "not root"
	tap_end
	exit 0
fi
if ! "$POP_LAB" up --name "$LAB" --clients 2 >"$work/up.log" 2>&1; then
	not_ok "pop-lab up --clients 2"
	sed 's/^/# /' "$work/up.log"
	tap_end
	exit 1
fi
sock=$(lab_value "$LAB" socket)
pns=$(lab_value "$LAB" pop_ns)
vip=$(lab_value "$LAB" vip4)
vip6=$(lab_value "$LAB" vip6)
pc() { "$POPCTL" --socket "$sock" --output json "$@"; }
insync() { # change id
	local i
	for i in $(seq 200); do
		[ "$(pc route53 get-change --id "$1" | jget ChangeInfo.Status)" = INSYNC ] && return 0
		sleep 0.05
	done
	return 1
}
change() { # popctl args...: run, wait until every worker (and the XDP maps) has it
	local id
	id=$(pc "$@" | jget ChangeInfo.Id) || return 1
	insync "$id"
}
answered() { # role server: one query, answered with the demo zone's address
	"$POP_LAB" exec "$LAB" "$1" -- kdig +short +time=1 +retry=0 @"$2" www.example.com A \
		2>/dev/null | grep -q '^198\.18\.'
}
unanswered() { ! answered "$@"; }
# A prefilter counter (packets) from `popctl prefilter stats`: Xdp or Software.
pfstat() { # where name [socket]
	"$POPCTL" --socket "${3:-$sock}" --output json prefilter stats | python3 -c '
import json, sys
d = json.load(sys.stdin).get(sys.argv[1]) or {}
print(((d.get("Counters") or {}).get(sys.argv[2]) or {}).get("Packets", -1))' "$1" "$2"
}
wait_pfstat_at_least() { # where name min [socket]
	local i v
	for i in $(seq 40); do
		v=$(pfstat "$1" "$2" "${4:-}")
		[ "$v" -ge "$3" ] 2>/dev/null && return 0
		sleep 0.25
	done
	echo "# $1 $2 is $v, wanted at least $3"
	return 1
}
xdp_prog() { # the id of the XDP program on dp0, or nothing
	ip -n "$pns" -d link show dp0 | sed -n 's/.*prog\/xdp id \([0-9]*\) name \([a-z_]*\).*/\1 \2/p'
}

prog=$(xdp_prog)
check "popdp's af_xdp port attached pop_prefilter to dp0 ($prog)" [ "${prog#* }" = pop_prefilter ]
check "client answered before any rule" answered client "$vip"
check "client2 answered before any rule" answered client2 "$vip"
check "client2 answered over IPv6" answered client2 "$vip6"

check "block client's /32 reaches INSYNC" change prefilter block --cidr 198.18.0.2/32 --comment lab
check "the blocked client gets no answer" unanswered client "$vip"
check "client2 still answered" answered client2 "$vip"
check "drop_blocked counted in XDP" wait_pfstat_at_least Xdp drop_blocked 1
check "block client2's IPv6 address reaches INSYNC" change prefilter block --cidr 2001:2::3
check "client2 gets no answer over IPv6" unanswered client2 "$vip6"
check "client answered over IPv6 (only its IPv4 is blocked)" answered client "$vip6"

# popd restarts: the rules come back from the store and are pushed again.
if "$POP_LAB" restart-control "$LAB" >"$work/rc.log" 2>&1; then
	ok "popd restarted"
else
	not_ok "popd restarted"
	sed 's/^/# /' "$work/rc.log"
fi
listed=$(pc prefilter list | python3 -c 'import json,sys
print(" ".join(r["Cidr"] for r in json.load(sys.stdin)["Blocked"]))')
check "both rules kept by the store ($listed)" [ "$listed" = "198.18.0.2/32 2001:2::3/128" ]
check "still blocked after popd restarted" unanswered client "$vip"

# popdp restarts: a new program, new maps, filled from the table at once.
"$POP_LAB" restart-dataplane "$LAB" >"$work/rd.log" 2>&1
prog2=$(xdp_prog)
check "a restarted popdp attached a new program ($prog -> $prog2)" \
	[ -n "$prog2" ] && [ "${prog2% *}" != "${prog% *}" ]
check "still blocked in the new program's maps" unanswered client "$vip"
check "client2 answered by the new program" answered client2 "$vip"

check "unblock reaches INSYNC" change prefilter unblock --cidr 198.18.0.2/32
check "unblock of the IPv6 rule reaches INSYNC" change prefilter unblock --cidr 2001:2::3/128
check "the unblocked client is answered again" answered client "$vip"
check "unblocking a rule that is not there is NoSuchRule" \
	sh -c "'$POPCTL' --socket '$sock' prefilter unblock --cidr 198.18.9.0/24 2>&1 | grep -q NoSuchRule"

# DNS that is no query, to port 53 of a VIP: dropped in XDP by reason.
before_resp=$(pfstat Xdp drop_dns_response)
before_qd=$(pfstat Xdp drop_dns_qdcount)
"$POP_LAB" exec "$LAB" client -- /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
question = b"\x03www\x07example\x03com\x00\x00\x01\x00\x01"
for i in range(3):
    s.sendto(b"\x12\x34\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00" + question, (sys.argv[1], 53))
    s.sendto(b"\x12\x34\x01\x00\x00\x02\x00\x00\x00\x00\x00\x00" + question * 2, (sys.argv[1], 53))
' "$vip"
check "DNS responses sent to port 53 are dropped in XDP (drop_dns_response)" \
	wait_pfstat_at_least Xdp drop_dns_response $((before_resp + 3))
check "queries with two questions are dropped in XDP (drop_dns_qdcount)" \
	wait_pfstat_at_least Xdp drop_dns_qdcount $((before_qd + 3))

# A flood over the rate from client while client2 asks at a modest rate.
rate=300
check "rates reach INSYNC" change prefilter rates --per-source-pps $rate --burst $rate
if command -v kxdpgun >/dev/null; then
	echo "www.example.com A" >"$work/q.txt"
	answered client "$vip" # the neighbour entry kxdpgun needs
	before=$(pfstat Xdp drop_rate_limited)
	"$POP_LAB" exec "$LAB" client -- timeout 20 kxdpgun -t 4 -Q 30000 -i "$work/q.txt" "$vip" \
		>"$work/gun.log" 2>&1 &
	gun=$!
	sleep 0.5
	"$POP_LAB" exec "$LAB" client2 -- timeout 30 /usr/bin/python3 - "$vip" >"$work/c2.log" 2>&1 <<'PY'
import sys, time
import dns.message, dns.query
vip, sent, got = sys.argv[1], 0, 0
t_end = time.monotonic() + 3.0
while time.monotonic() < t_end:    # about 100 queries a second, one at a time
    q = dns.message.make_query("www.example.com", "A")
    sent += 1
    try:
        r = dns.query.udp(q, vip, timeout=0.5)
        got += r.id == q.id and len(r.answer) > 0
    except Exception:
        pass
    time.sleep(0.01)
print(sent, got)
PY
	wait $gun
	read -r sent got <"$work/c2.log"
	sed 's/^/# kxdpgun: /' "$work/gun.log" | grep -E "total|replies" || true
	echo "# client2: $got answers of $sent queries during the flood"
	check "client2 kept at least 99% of its answers ($got of $sent)" \
		[ "${sent:-0}" -ge 100 ] && [ $((got * 100)) -ge $((sent * 99)) ]
	check "the flood was dropped in XDP (drop_rate_limited grew by 50,000 or more)" \
		wait_pfstat_at_least Xdp drop_rate_limited $((before + 50000))
	queries=$(sed -n 's/^total queries: *\([0-9]*\).*/\1/p' "$work/gun.log")
	replies=$(sed -n 's/^total replies: *\([0-9]*\).*/\1/p' "$work/gun.log")
	# 4 s at the rate plus the burst, and a little slack for the clock.
	check "the flooding client got no more than its rate ($replies of $queries)" \
		[ "${replies:-999999}" -le $((rate * 5 + rate)) ] && [ "${queries:-0}" -gt 50000 ]
else
	skip "flood from one client" "kxdpgun missing (knot-dnsutils)"
fi
check "rates off reaches INSYNC" change prefilter rates --per-source-pps 0

# popdp stops: nothing stays attached.
kill -TERM "$(lab_value "$LAB" popdp_pid)"
for i in $(seq 100); do
	kill -0 "$(lab_value "$LAB" popdp_pid)" 2>/dev/null || break
	sleep 0.1
done
check "no XDP program on dp0 once popdp stopped" [ -z "$(xdp_prog)" ]
"$POP_LAB" down "$LAB" >/dev/null 2>&1

# The same rules without XDP: af_packet, popdp's software first stage.
if "$POP_LAB" up --name "$LAB2" --io af_packet >"$work/up2.log" 2>&1; then
	LAB=$LAB2
	sock2=$(lab_value "$LAB2" socket)
	sock=$sock2
	check "af_packet: answered before any rule" answered client "$vip"
	check "af_packet: block reaches INSYNC" change prefilter block --cidr 198.18.0.0/30
	check "af_packet: the blocked client gets no answer" unanswered client "$vip"
	check "af_packet: drop_blocked counted in the software first stage" \
		wait_pfstat_at_least Software drop_blocked 1 "$sock2"
	check "af_packet: unblock reaches INSYNC" change prefilter unblock --cidr 198.18.0.0/30
	check "af_packet: answered again" answered client "$vip"
else
	not_ok "pop-lab up --io af_packet"
	sed 's/^/# /' "$work/up2.log"
fi
tap_end
