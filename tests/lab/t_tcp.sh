#!/usr/bin/env bash
# pop's own TCP in the lab, Linux as the client: DNS over TCP (kdig, dnspython,
# dnsperf with 1,000 concurrent connections), zone transfers refused unless
# the zone's transfer policy lists the client, idle
# timeout, 100 MB from the lab-only stream test service with its SHA-256
# checked, echo, and a SYN flood during which a second client's connections
# keep succeeding (from a second client namespace).
set -u
. "$(dirname "$0")/lib.sh"
LAB=$(unique_name tc)
LABS=$LAB
work=$(mktemp -d)
trap 'for l in $LABS; do "$POP_LAB" down "$l" >/dev/null 2>&1; done; rm -rf "$work"' EXIT

if ! "$POP_LAB" up --name "$LAB" --empty --clients 2 \
	--popdp-args "--tcp-stream-test-port 80 --dns-tcp-idle-ms 2000 --tcp-syn-queue 64" \
	>"$work/up.log" 2>&1; then
	not_ok "pop-lab up"
	sed 's/^/# /' "$work/up.log"
	tap_end
	exit 1
fi
sock=$(lab_value "$LAB" socket)
vip=$(lab_value "$LAB" vip4)
vip6=$(lab_value "$LAB" vip6)
pc() { "$POPCTL" --socket "$sock" --output json "$@"; }
client() { "$POP_LAB" exec "$LAB" client -- "$@"; }
dt() { client /usr/bin/python3 "$(dirname "$0")/dnstcp.py" "$vip" "$@"; }
insync() {
	local i
	for i in $(seq 200); do
		[ "$(pc route53 get-change --id "$1" | jget ChangeInfo.Status)" = INSYNC ] && return 0
		sleep 0.05
	done
	return 1
}

zone=$(pc route53 create-hosted-zone --name example.com --caller-reference "tcp-$LAB" | jget HostedZone.Id)
# A TXT set too large for UDP: over TCP it comes whole, in several segments.
python3 - "$work/batch.json" <<'PY'
import json, sys
rr = lambda name, t, values: {"Action": "CREATE", "ResourceRecordSet": {
    "Name": name, "Type": t, "TTL": 300, "ResourceRecords": [{"Value": v} for v in values]}}
json.dump({"Changes": [
    rr("www.example.com", "A", ["198.18.0.80"]),
    rr("www.example.com", "AAAA", ["2001:2::80"]),
    rr("big.example.com", "TXT", ['"%s"' % (("%03d" % i) * 60) for i in range(40)]),
]}, open(sys.argv[1], "w"))
PY
id=$(pc route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$work/batch.json" | jget ChangeInfo.Id)
check "record sets reach INSYNC" insync "$id"

out=$(client kdig +tcp +short @"$vip" www.example.com A 2>&1)
check "kdig +tcp over IPv4 gets the answer ($out)" [ "$out" = 198.18.0.80 ]
out=$(client kdig +tcp +short @"$vip6" www.example.com AAAA 2>&1)
check "kdig +tcp over IPv6 gets the answer ($out)" [ "$out" = 2001:2::80 ]
n=$(client kdig +tcp +short @"$vip" big.example.com TXT 2>&1 | wc -l)
check "a 7 KB answer over TCP is whole: 40 TXT records ($n)" [ "$n" = 40 ]
out=$(client kdig +tcp @"$vip" example.com AXFR 2>&1)
check "AXFR is refused without a transfer policy" grep -q "REFUSED" <<<"$out"
out=$(client kdig +tcp @"$vip" example.com IXFR=1 2>&1)
check "IXFR is refused without a transfer policy" grep -q "REFUSED" <<<"$out"
# With the client's prefix in the zone's transfer ACL both are answered (t_xfr.sh has the rest).
id=$(pc route53 put-zone-transfer-policy --cli-input-json \
	"{\"HostedZoneId\": \"$zone\", \"AllowTransfer\": [\"198.18.0.0/15\"]}" | jget ChangeInfo.Id)
check "the transfer policy reaches INSYNC" insync "$id"
n=$(client kdig +tcp +nocomments +nostats @"$vip" example.com AXFR 2>&1 | grep -c 'IN')
check "AXFR is answered with the policy: SOA, 4 NS, A, AAAA, 40 TXT, SOA ($n)" [ "$n" = 48 ]
n=$(client kdig +tcp +nocomments +nostats @"$vip" example.com IXFR=4294967295 2>&1 | grep -c 'IN')
check "IXFR is answered with the policy ($n records)" [ "$n" -ge 1 ]
out=$(dt pipeline www.example.com 100 2>&1)
check "100 pipelined queries on one connection: $out" grep -q "^ok" <<<"$out"
out=$(dt split www.example.com 2>&1)
check "a query written a byte at a time is answered: $out" grep -q "^ok" <<<"$out"
out=$(dt zero 2>&1)
check "a zero length prefix resets the connection: $out" grep -q "^ok" <<<"$out"
out=$(dt idle 3.5 2>&1)
check "an idle connection is closed after --dns-tcp-idle-ms (2 s): $out" grep -q "^ok" <<<"$out"

# 1,000 concurrent connections from dnsperf (4 threads of 250 sockets).
before=$(stat "$LAB" tcp.accepted)
printf 'www.example.com A\nexample.com SOA\nnope.example.com A\nwww.example.com AAAA\n' >"$work/q.txt"
client timeout 40 dnsperf -m tcp -s "$vip" -d "$work/q.txt" -c 1000 -T 4 -q 2000 -l 6 -t 5 >"$work/dnsperf.txt" 2>&1
sent=$(sed -n 's/^ *Queries sent: *\([0-9]*\).*/\1/p' "$work/dnsperf.txt")
done_=$(sed -n 's/^ *Queries completed: *\([0-9]*\).*/\1/p' "$work/dnsperf.txt")
qps=$(sed -n 's/^ *Queries per second: *\([0-9.]*\).*/\1/p' "$work/dnsperf.txt")
echo "# dnsperf -m tcp -c 1000: sent $sent, completed $done_, $qps queries/s"
all_answered() { [ -n "$sent" ] && [ "$sent" -gt 1000 ] && [ "$sent" = "$done_" ]; }
check "dnsperf over TCP: every query answered" all_answered
check "dnsperf's 1,000 connections were accepted" wait_stat_at_least "$LAB" tcp.accepted $((before + 1000))

# The stream test service (lab only, the stream.py protocol): 100 MB, SHA-256 checked.
stream() { # args -> the client's JSON line
	client timeout 300 /usr/bin/python3 "$(dirname "$0")/stream.py" client --host "$vip" --port 80 \
		--timeout 240 "$@" 2>&1 | tail -n 1
}
is_ok() { python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1]).get("ok") else 1)' "$1" 2>/dev/null; }
ref0=$(stat "$LAB" tcp.queued_ref_bytes)
out=$(stream --recv 100000000)
echo "# pop TCP, 100 MB, no impairment: $out"
check "100 MB from pop's TCP arrive byte-identical" is_ok "$out"
# SEND is zero copy in TCP: references to the pattern, not copies (af_xdp copies once at TX).
check "the 100 MB were queued by reference" wait_stat_at_least "$LAB" tcp.queued_ref_bytes \
	$((ref0 + 100000000))
out=$(stream --echo 20000000)
echo "# echo: $out"
check "20 MB echoed back byte-identical" is_ok "$out"
out=$(client /usr/bin/python3 -c 'import socket,sys
s = socket.create_connection((sys.argv[1], 80), timeout=5)
s.sendall(b"FETCH 10\n")
print(s.recv(100).decode().strip())' "$vip" 2>&1)
check "a bad request is answered ERR ($out)" grep -q "^ERR " <<<"$out"

# A SYN flood (5 s, bounded) from the client while a second client (client2) keeps connecting.
cookies0=$(stat "$LAB" tcp.syncookies_sent)
client timeout 20 /usr/bin/python3 "$(dirname "$0")/dnstcp.py" "$vip" synflood 5 8000 >"$work/flood.txt" 2>&1 &
flood=$!
sleep 0.5
out=$("$POP_LAB" exec "$LAB" client2 -- /usr/bin/python3 "$(dirname "$0")/dnstcp.py" "$vip" connects www.example.com 4 16 2>&1)
wait $flood
tries=$(sed -n 's/^tries \([0-9]*\) ok.*/\1/p' <<<"$out")
good=$(sed -n 's/^tries [0-9]* ok \([0-9]*\)/\1/p' <<<"$out")
echo "# SYN flood: $(cat "$work/flood.txt"); second client: $out"
enough() { [ -n "$tries" ] && [ "$tries" -gt 50 ] && [ $((good * 100)) -ge $((tries * 99)) ]; }
check "during the flood, at least 99% of the second client's connections succeed" enough
check "the flood was answered with SYN cookies" wait_stat_at_least "$LAB" tcp.syncookies_sent $((cookies0 + 1))

# af_packet takes mbuf chains: the payload is attached to the frames, never copied by pop.
# (Helpers for the lab $ZLAB: a stream client, the pool back to $base mbufs in use.)
stream2() {
	"$POP_LAB" exec "$ZLAB" client -- timeout 300 /usr/bin/python3 \
		"$(dirname "$0")/stream.py" client --host "$vip" --port 80 --timeout 240 "$@" 2>&1 |
		tail -n 1
}
back_to_rest() {
	local i v
	for i in $(seq 30); do
		v=$(stat "$ZLAB" ports.0.mbufs_in_use)
		[ "$v" -ge 0 ] && [ "$v" -le "$base" ] && return 0
		sleep 0.3
	done
	echo "# mbufs in use: $v, $base before"
	return 1
}
both_zero() { [ "$1" -eq 0 ] && [ "$2" -eq 0 ]; }
LAB2=$(unique_name tp)
LABS="$LABS $LAB2"
if "$POP_LAB" up --name "$LAB2" --empty --io af_packet --popdp-args "--tcp-stream-test-port 80" \
	>"$work/up2.log" 2>&1; then
	out=$("$POP_LAB" exec "$LAB2" client -- timeout 300 /usr/bin/python3 \
		"$(dirname "$0")/stream.py" client --host "$vip" --port 80 --timeout 240 \
		--recv 100000000 2>&1 | tail -n 1)
	echo "# af_packet, 100 MB, frames chained to the pattern: $out"
	check "af_packet: 100 MB of chained frames arrive byte-identical" is_ok "$out"
	check "af_packet: the payload was attached to the frames, not copied" \
		wait_stat_at_least "$LAB2" tcp.tx_payload.attached_bytes 100000000
	copied=$(stat "$LAB2" tcp.tx_payload.copied_bytes)
	check "af_packet: no payload byte copied into frames ($copied)" [ "$copied" -eq 0 ]

	# SENDM: the stream from the worker's mbufs, sent from the mbuf chains by reference
	# (indirect mbufs in the frames); every mbuf back in the pool afterwards.
	ZLAB=$LAB2
	base=$(stat "$LAB2" ports.0.mbufs_in_use)
	out=$(stream2 --recvm 100000000)
	echo "# af_packet, 100 MB by SENDM (mbuf chains by reference): $out"
	check "af_packet SENDM: 100 MB from mbuf chains arrive byte-identical" is_ok "$out"
	check "af_packet SENDM: all 100 MB queued as mbufs by reference" \
		wait_stat_at_least "$LAB2" tcp.stream_test.bytes_by_buffers 100000000
	copied=$(stat "$LAB2" tcp.tx_payload.copied_bytes)
	scopied=$(stat "$LAB2" tcp.stream_test.bytes_copied)
	check "af_packet SENDM: no payload byte copied (frames $copied, service $scopied)" \
		both_zero "$copied" "$scopied"
	check "af_packet SENDM: the mbuf pool back to its count at rest ($base in use)" back_to_rest
	queued=$(stat "$LAB2" tcp.tx_counted.mbufs_queued)
	check "af_packet SENDM: every mbuf TCP held released ($queued queued)" \
		wait_stat_at_least "$LAB2" tcp.tx_counted.mbufs_released "$queued"
	# A client that resets mid-transfer, and one that stops reading (TCP holds a send
	# buffer of mbufs) and then resets: everything back.
	out=$(stream2 --recvm 100000000 --reset-after 20000000)
	echo "# reset mid-transfer: $out"
	prefix_ok() { python3 -c 'import json,sys
o = json.loads(sys.argv[1]); sys.exit(0 if o.get("prefix_ok") and o["bytes"] == 20000000 else 1)' "$1" 2>/dev/null; }
	check "af_packet SENDM: a client resetting after 20 MB got 20 MB right first" \
		prefix_ok "$out"
	check "af_packet SENDM: after the reset, the pool back to its count at rest" back_to_rest
	"$POP_LAB" exec "$LAB2" client -- timeout 20 /usr/bin/python3 -c 'import socket,struct,sys,time
s = socket.create_connection((sys.argv[1], 80), timeout=5)
s.sendall(b"SENDM 100000000\n")
time.sleep(4)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()' "$vip" >"$work/stall.txt" 2>&1 &
	stall=$!
	check "af_packet SENDM: a client not reading leaves TCP holding mbufs" \
		wait_stat_at_least "$LAB2" ports.0.mbufs_in_use $((base + 500)) 4
	wait $stall
	check "af_packet SENDM: its reset gives them all back" back_to_rest
	"$POP_LAB" down "$LAB2" >/dev/null 2>&1
else
	not_ok "pop-lab up --io af_packet"
	sed 's/^/# /' "$work/up2.log"
fi

# SENDM through the impairment relay: lost, reordered and duplicated segments are sent
# again from the mbufs they reference (frames still queued may point at them too).
LAB3=$(unique_name tm)
LABS="$LABS $LAB3"
if "$POP_LAB" up --name "$LAB3" --empty --io af_packet \
	--impair "loss=1%,delay=5ms,jitter=2ms,dup=1%,reorder=1%,seed=7" \
	--popdp-args "--tcp-stream-test-port 80" >"$work/up3.log" 2>&1; then
	ZLAB=$LAB3
	wait_stat_at_least "$LAB3" ports.0.mbufs_total 1 10 >/dev/null
	base=$(stat "$LAB3" ports.0.mbufs_in_use)
	rx0=$(stat "$LAB3" tcp.retrans_segs)
	out=$(stream2 --recvm 10000000)
	echo "# af_packet through the relay, 10 MB by SENDM: $out"
	check "relay: 10 MB by SENDM arrive byte-identical through loss, reordering, duplicates" \
		is_ok "$out"
	check "relay: segments were sent again from the mbufs" \
		wait_stat_at_least "$LAB3" tcp.retrans_segs $((rx0 + 1))
	copied=$(stat "$LAB3" tcp.tx_payload.copied_bytes)
	scopied=$(stat "$LAB3" tcp.stream_test.bytes_copied)
	check "relay: no payload byte copied (frames $copied, service $scopied)" \
		both_zero "$copied" "$scopied"
	check "relay: the mbuf pool back to its count at rest ($base in use)" back_to_rest
	"$POP_LAB" down "$LAB3" >/dev/null 2>&1
else
	not_ok "pop-lab up --io af_packet --impair"
	sed 's/^/# /' "$work/up3.log"
fi

tap_end
