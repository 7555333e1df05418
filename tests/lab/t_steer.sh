#!/usr/bin/env bash
# Flow steering: popdp with two worker lcores on the lab's one-queue veth,
# once on af_packet and once on af_xdp (EAL's lcore map puts three lcores
# on the machine's CPUs). Only
# worker 0 has an RX/TX queue; TCP frames of flows worker 1 owns are handed to
# it through a ring, and what it sends goes back through worker 0's queue.
# 200 DNS-over-TCP queries (kdig, one connection each) and stream transfers
# with their SHA-256 checked must all succeed, with both workers serving.
set -u
. "$(dirname "$0")/lib.sh"
LABS=
work=$(mktemp -d)
trap 'for l in $LABS; do "$POP_LAB" down "$l" >/dev/null 2>&1; done; rm -rf "$work"' EXIT

run_io() { # io
	local io=$1 LAB
	LAB=$(unique_name st)
	LABS="$LABS $LAB"
if ! "$POP_LAB" up --name "$LAB" --empty --io "$io" --lcores '0@0,1@0,2@1' \
	--popdp-args "--tcp-stream-test-port 80 --flow-steering auto" >"$work/up.log" 2>&1; then
	not_ok "pop-lab up ($io)"
	sed 's/^/# /' "$work/up.log"
	return 1
fi
sock=$(lab_value "$LAB" socket)
vip=$(lab_value "$LAB" vip4)
vip6=$(lab_value "$LAB" vip6)
pc() { "$POPCTL" --socket "$sock" --output json "$@"; }
client() { "$POP_LAB" exec "$LAB" client -- "$@"; }
insync() {
	local i
	for i in $(seq 200); do
		[ "$(pc route53 get-change --id "$1" | jget ChangeInfo.Status)" = INSYNC ] && return 0
		sleep 0.05
	done
	return 1
}

steering_on() { # the first counters reach popd within a stats interval: wait up to 6 s
	local i
	for i in $(seq 20); do
		[ "$(stat "$LAB" workers.0.steering.on)" = True ] &&
			[ "$(stat "$LAB" workers.1.steering.on)" = True ] && return 0
		sleep 0.3
	done
	return 1
}
check "$io: auto turns flow steering on: 2 workers, 1 queue" steering_on
check "$io: worker 1 has no queue of its own" [ "$(stat "$LAB" workers.1.polling)" = False ]

zone=$(pc route53 create-hosted-zone --name example.com --caller-reference "steer-$LAB" | jget HostedZone.Id)
printf '{"Changes":[{"Action":"CREATE","ResourceRecordSet":{"Name":"www.example.com","Type":"A","TTL":300,"ResourceRecords":[{"Value":"198.18.0.80"}]}},{"Action":"CREATE","ResourceRecordSet":{"Name":"www.example.com","Type":"AAAA","TTL":300,"ResourceRecords":[{"Value":"2001:2::80"}]}}]}' >"$work/batch.json"
id=$(pc route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$work/batch.json" | jget ChangeInfo.Id)
check "$io: record sets reach INSYNC" insync "$id"

# 200 queries, each on its own connection (its own source port: its own flow).
client timeout 120 bash -c 'for i in $(seq 200); do kdig +tcp +short +timeout=3 +retry=0 @"$1" www.example.com A; done' \
	_ "$vip" >"$work/kdig4.txt" 2>&1
n=$(grep -c '^198\.18\.0\.80$' "$work/kdig4.txt")
check "$io: 200 kdig +tcp queries over IPv4 all answered ($n)" [ "$n" = 200 ]
client timeout 60 bash -c 'for i in $(seq 50); do kdig +tcp +short +timeout=3 +retry=0 @"$1" www.example.com AAAA; done' \
	_ "$vip6" >"$work/kdig6.txt" 2>&1
n=$(grep -c '^2001:2::80$' "$work/kdig6.txt")
check "$io: 50 kdig +tcp queries over IPv6 all answered ($n)" [ "$n" = 50 ]

# Stream transfers, SHA-256 checked: one flow lands on each worker soon enough.
stream() { # args -> the client's JSON line
	client timeout 120 /usr/bin/python3 "$(dirname "$0")/stream.py" client --host "$vip" --port 80 \
		--timeout 60 "$@" 2>&1 | tail -n 1
}
is_ok() { python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1]).get("ok") else 1)' "$1" 2>/dev/null; }
good=0
for i in 1 2 3 4 5 6; do
	out=$(stream --recv 20000000)
	echo "# $io 20 MB #$i: $out"
	is_ok "$out" && good=$((good + 1))
done
check "$io: 6 transfers of 20 MB arrive byte-identical ($good)" [ "$good" = 6 ]
good=0
for i in 1 2 3 4; do
	out=$(stream --echo 5000000)
	is_ok "$out" && good=$((good + 1))
done
check "$io: 4 echoes of 5 MB come back byte-identical ($good)" [ "$good" = 4 ]

# Both workers served connections; frames went both ways between them.
sleep 1.2
pc stats >"$work/stats.json"
python3 - "$work/stats.json" <<'PY' | sed 's/^/# /'
import json, sys
d = json.load(open(sys.argv[1]))["dataplane"]
for w in d["workers"]:
    print("lcore %d queue %d polling %s tcp_accepted %d steering %s" % (
        w["lcore"], w["queue"], w["polling"], w["tcp_accepted"], json.dumps(w["steering"])))
PY
w() { jget "dataplane.workers.$1" <"$work/stats.json"; }
check "$io: worker 0 accepted connections ($(w 0.tcp_accepted))" [ "$(w 0.tcp_accepted)" -ge 20 ]
check "$io: worker 1 accepted connections ($(w 1.tcp_accepted))" [ "$(w 1.tcp_accepted)" -ge 20 ]
check "$io: worker 0 handed frames over ($(w 0.steering.handed_over))" [ "$(w 0.steering.handed_over)" -gt 0 ]
check "$io: worker 1 received them all ($(w 1.steering.received))" \
	[ "$(w 1.steering.received)" = "$(w 0.steering.handed_over)" ]
check "$io: worker 0 sent worker 1's frames ($(w 0.steering.tx_relayed))" \
	[ "$(w 0.steering.tx_relayed)" -gt 0 ]
check "$io: no frame of worker 1 reached the queue owner's RX" [ "$(w 1.steering.handed_over)" = 0 ]
check "$io: DNS over TCP: 250 answers in all" [ "$(jget dataplane.tcp.dns.answers <"$work/stats.json")" -ge 250 ]
if [ "$io" = af_xdp ]; then
	# Everything popdp put on the socket's TX ring left the interface.
	local sent kern
	sent=$(jget dataplane.ports.0.tx_packets <"$work/stats.json")
	kern=$("$POP_LAB" exec "$LAB" pop -- ip -j -s link show dp0 |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])')
	check "$io: the TX ring drained: $sent frames given, $kern sent by dp0" \
		[ $((sent - kern)) -le 64 ]
	inv=$(jget dataplane.ports.0.xdp_sockets.tx_invalid_descs <"$work/stats.json")
	check "$io: the kernel refused no TX descriptor ($inv)" [ "$inv" = 0 ]
fi
"$POP_LAB" down "$LAB" >/dev/null 2>&1
}

run_io af_packet
# On af_xdp the pool is the socket's UMEM: a frame in an mbuf the UMEM did
# not cover once stopped the TX ring for good (eal_mbuf_pool_create()).
run_io af_xdp

tap_end
