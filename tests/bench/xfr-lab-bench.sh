#!/usr/bin/env bash
# Zone transfer throughput in the lab: AXFR of one zone of N records (default
# 100,000 A records plus the apex) from popdp (af_xdp on veth, pop-lab) and
# from knotd (plain TCP, one worker, its own namespace, loaded from pop's own
# export-zone, so both hold the same records), to kdig in the lab's client
# namespace, in one run, several repetitions, alternating. Figures: kdig's
# own transfer time ("in X ms", from the query to the last message), bytes,
# messages and records per transfer; medians with min-max and the ratio.
# Server on CPU 1 (popdp's worker polls it; knotd pinned there), kdig on
# CPU 0. popdp is stopped (SIGSTOP) while knotd is measured: its worker would
# poll CPU 1 meanwhile. veth is copy mode with small rings: these figures
# are far below what the same software does on a real NIC.
# Usage: xfr-lab-bench.sh [RECORDS] [REPS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lab/lib.sh"
N=${1:-100000}
REPS=${2:-5}
LAB=$(unique_name xb)
KNS=pl-$LAB-knot
KNOT4=198.19.54.1
KCLI4=198.19.54.2
work=$(mktemp -d)
PY=/usr/bin/python3
popdp_pid=""
cleanup() {
	local pid i
	[ -n "$popdp_pid" ] && kill -CONT "$popdp_pid" 2>/dev/null
	pid=$(cat "$work/knot/run/knot.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
		for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	fi
	ip netns del "$KNS" 2>/dev/null
	"$POP_LAB" down "$LAB" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

echo '{"Control": {"MaxRequestBytes": 67108864}}' >"$work/cfg.json"
"$POP_LAB" up --name "$LAB" --config "$work/cfg.json" >"$work/up.log" 2>&1 ||
	{ echo "pop-lab up failed"; sed 's/^/  /' "$work/up.log"; exit 1; }
sock=$(lab_value "$LAB" socket)
vip=$(lab_value "$LAB" vip4)
cns=$(lab_value "$LAB" client_ns)
popdp_pid=$(lab_value "$LAB" popdp_pid)
pc() { "$POPCTL" --socket "$sock" --output json "$@"; }
insync() {
	local i
	for i in $(seq 1200); do
		[ "$(pc route53 get-change --id "$1" | jget ChangeInfo.Status)" = INSYNC ] && return 0
		sleep 0.05
	done
	return 1
}

"$PY" - "$work/zone.txt" "$N" <<'PY'
import sys
n = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    f.write("$TTL 300\n")
    for i in range(n):
        f.write("h%06d A 198.18.%d.%d\n" % (i, 100 + (i // 250) % 150, i % 250 + 1))
PY
zone=$(pc route53 create-hosted-zone --name bench.example --caller-reference "xb-$LAB" | jget HostedZone.Id)
"$PY" -c 'import json,sys; print(json.dumps({"HostedZoneId": sys.argv[1], "ZoneFile": open(sys.argv[2]).read()}))' \
	"$zone" "$work/zone.txt" >"$work/import.json"
id=$(pc route53 import-zone --hosted-zone-id "$zone" --cli-input-json "file://$work/import.json" | jget ChangeInfo.Id)
insync "$id" || { echo "import-zone did not reach INSYNC"; exit 1; }
echo "{\"HostedZoneId\": \"$zone\", \"AllowTransfer\": [\"198.18.0.0/15\", \"198.19.0.0/16\"]}" >"$work/policy.json"
id=$(pc route53 put-zone-transfer-policy --cli-input-json "file://$work/policy.json" | jget ChangeInfo.Id)
insync "$id" || { echo "the transfer policy did not reach INSYNC"; exit 1; }

# knotd: the same records (pop's export), its own namespace, a veth to the client's.
mkdir -p "$work/knot/run" "$work/knot/db"
pc route53 export-zone --hosted-zone-id "$zone" | jget ZoneFile >"$work/knot/bench.example.zone"
ip netns add "$KNS"
ip -n "$KNS" link set lo up
ip link add name kb0 numrxqueues 1 numtxqueues 1 netns "$KNS" type veth peer name knotb0 \
	numrxqueues 1 numtxqueues 1 netns "$cns"
ip -n "$KNS" addr add "$KNOT4/24" dev kb0
ip -n "$cns" addr add "$KCLI4/24" dev knotb0
ip -n "$KNS" link set kb0 up
ip -n "$cns" link set knotb0 up
cat >"$work/knot/knot.conf" <<CONF
server:
    rundir: "$work/knot/run"
    pidfile: "$work/knot/run/knot.pid"
    listen: $KNOT4@53
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$work/knot/db"
log:
  - target: stderr
    any: warning
acl:
  - id: lab
    address: 198.19.0.0/16
    action: transfer
template:
  - id: default
    storage: "$work/knot"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: bench.example.
    file: "$work/knot/bench.example.zone"
    acl: lab
CONF
ip netns exec "$KNS" taskset -c 1 knotd -d -c "$work/knot/knot.conf" >"$work/knot/knotd.log" 2>&1
for i in $(seq 100); do
	ip netns exec "$cns" kdig +short +time=1 +retry=0 @"$KNOT4" bench.example SOA 2>/dev/null |
		grep -q hostmaster && break
	sleep 0.2
done
kpid=$(cat "$work/knot/run/knot.pid" 2>/dev/null)
[ -n "$kpid" ] && taskset -a -p -c 1 "$kpid" >/dev/null

# One AXFR: "ms bytes messages records kdig_cpu_ms" from kdig's statistics and its
# rusage (how much of the time the client itself was busy).
axfr() { # server
	ip netns exec "$cns" taskset -c 0 "$PY" -c '
import re, resource, subprocess, sys
t = subprocess.run(["kdig", "+tcp", "+time=60", "+noall", "+stats", "@" + sys.argv[1],
                    "bench.example", "AXFR"], capture_output=True, text=True).stdout
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
r = re.search(r"Received (\d+) B \((\d+) messages, (\d+) records\)", t)
m = re.search(r" in ([0-9.]+) ms", t)
cpu = (ru.ru_utime + ru.ru_stime) * 1000
print("%s %s %s %s %.0f" % (m.group(1), r.group(1), r.group(2), r.group(3), cpu) if r and m else "fail")' "$1"
}
pop_ms=() knot_ms=()
for rep in $(seq "$REPS"); do
	p=$(axfr "$vip")
	kill -STOP "$popdp_pid"
	k=$(axfr "$KNOT4")
	kill -CONT "$popdp_pid"
	echo "rep $rep: pop $p | knot $k   (ms bytes messages records kdig-cpu-ms)"
	[ "$p" != fail ] && pop_ms+=("${p%% *}")
	[ "$k" != fail ] && knot_ms+=("${k%% *}")
	last_pop=$p last_knot=$k
done
"$PY" - "${pop_ms[*]:-}" "${knot_ms[*]:-}" "${last_pop:-fail}" "${last_knot:-fail}" <<'PY'
import statistics, sys
pop = [float(x) for x in sys.argv[1].split()]
knot = [float(x) for x in sys.argv[2].split()]
def fig(name, ms, last):
    if not ms or last == "fail":
        print("%s: no figure" % name)
        return None
    med = statistics.median(ms)
    _, b, msgs, recs, cpu = last.split()
    print("%s: AXFR of %s records (%s messages, %.2f MB): median %.1f ms (min %.1f, max %.1f), "
          "%.0f records/s, %.1f MB/s; kdig busy %s ms of the last" % (
              name, recs, msgs, int(b) / 1e6, med, min(ms), max(ms), int(recs) / med * 1000,
              int(b) / 1e6 / med * 1000, cpu))
    return med
a = fig("popdp (af_xdp, veth)", pop, sys.argv[3])
b = fig("knotd 3.2 (TCP, veth)", knot, sys.argv[4])
if a and b:
    print("pop / knot transfer time: %.2f (below 1: pop faster)" % (a / b))
PY
