#!/usr/bin/env bash
# make bench, TCP: pop's TCP against Linux's on the same link, in one run.
# The peer is the lab's kernel-socket stream server (tests/lab/stream.py) in
# the pop namespace on 198.18.0.3, the address pop-lab --kernel-addr puts on
# dp0 beside the VIP: the same veth, the same client, the same protocol.
#   1. one flow, unimpaired: popdp (af_xdp, then af_packet) vs Linux, and
#      vs Linux with TSO/GSO off on dp0: over a veth Linux hands 64 KB
#      segments to the peer without ever cutting them, while pop (like any
#      DPDK stack on a port without TSO) sends 1,514-byte frames;
#   2. four flows at once on the one-queue veth with two workers: flow
#      steering on vs off (one worker serves them all), Linux beside;
#   3. through the impairment relay (1% loss, 25 +- 10 ms, 1% dup, 1%
#      reorder), pop and Linux at the same time, CUBIC and NewReno.
# Each figure is the median of TCP_BENCH_RUNS (3) runs; the machine is
# shared and noisy, and popdp's workers busy-poll the CPUs the Linux server
# and the client also run on, which costs both sides.
set -u
here=$(cd "$(dirname "$0")" && pwd)
lab_tool="$here/../lab/pop-lab"
stream="$here/../lab/stream.py"
runs=${TCP_BENCH_RUNS:-3}
bytes=${TCP_BENCH_BYTES:-100000000}
ibytes=${TCP_BENCH_IMPAIRED_BYTES:-10000000}
labs=
work=$(mktemp -d)
trap 'for l in $labs; do "$lab_tool" down "$l" >/dev/null 2>&1; done; rm -rf "$work"' EXIT

up() { # name args... -> 0 when up, the Linux server started
	local n=$1
	shift
	labs="$labs $n"
	if ! "$lab_tool" up --name "$n" --empty "$@" >"$work/up.log" 2>&1; then
		echo "pop-lab up $* failed:"
		sed 's/^/  /' "$work/up.log"
		return 1
	fi
	("$lab_tool" exec "$n" pop -- setsid /usr/bin/python3 "$stream" server --bind 198.18.0.3 \
		--port 5001 --max-conns 64 "${server_cc[@]}" >"$work/server-$n.log" 2>&1 &)
	sleep 1
}
down() { "$lab_tool" down "$1" >/dev/null 2>&1; }
# flows: N concurrent transfers of B bytes from host:port -> aggregate MB/s, or "fail"
flows() { # lab host port n bytes [timeout]
	local lab=$1 host=$2 port=$3 n=$4 b=$5 t=${6:-120} i
	for i in $(seq "$n"); do
		"$lab_tool" exec "$lab" client -- timeout $((t + 10)) /usr/bin/python3 "$stream" client \
			--host "$host" --port "$port" --recv "$b" --timeout "$t" 2>&1 | tail -n 1 >"$work/f$i.json" &
	done
	wait
	python3 - "$work" "$n" <<'PY'
import json, os, sys
rs = []
for i in range(1, int(sys.argv[2]) + 1):
    try:
        rs.append(json.load(open(os.path.join(sys.argv[1], "f%d.json" % i))))
    except Exception:
        rs.append({})
if not all(r.get("ok") for r in rs):
    print("fail")
else:
    print("%.3f" % (sum(r["bytes"] for r in rs) / max(r["seconds"] for r in rs) / 1e6))
PY
}
median() { python3 -c 'import statistics,sys
v=[float(x) for x in sys.argv[1:] if x != "fail"]
f=len(sys.argv)-1-len(v)
m=statistics.median(v) if v else None
print((("%.3f" if m < 10 else "%.1f") % m if v else "n/a") + (" (%d failed)" % f if f else ""))' "$@"; }
ratio() { python3 -c 'import sys
try: print("%.2f" % (float(sys.argv[1].split()[0]) / float(sys.argv[2].split()[0])))
except Exception: print("n/a")' "$1" "$2"; }

server_cc=()
echo "== TCP, one flow of $((bytes / 1000000)) MB, no impairment: popdp vs Linux on the same veth (MB/s, median of $runs)"
for io in af_xdp af_packet; do
	lab=tb$((RANDOM % 10000))
	up "$lab" --io "$io" --kernel-addr --popdp-args "--tcp-stream-test-port 80" || continue
	p=() l=() g=()
	for r in $(seq "$runs"); do
		p+=("$(flows "$lab" 198.18.0.1 80 1 "$bytes")")
		l+=("$(flows "$lab" 198.18.0.3 5001 1 "$bytes")")
		# Linux again in 1,514-byte frames, as pop sends them (no TSO/GSO to the veth).
		"$lab_tool" exec "$lab" pop -- ethtool -K dp0 tso off gso off >/dev/null 2>&1
		g+=("$(flows "$lab" 198.18.0.3 5001 1 "$bytes")")
		"$lab_tool" exec "$lab" pop -- ethtool -K dp0 tso on gso on >/dev/null 2>&1
	done
	pm=$(median "${p[@]}")
	lm=$(median "${l[@]}")
	gm=$(median "${g[@]}")
	echo "$io: pop $pm (runs: ${p[*]}); Linux $lm (runs: ${l[*]}), pop/Linux $(ratio "$pm" "$lm");" \
		"Linux without TSO/GSO $gm (runs: ${g[*]}), pop/Linux $(ratio "$pm" "$gm")"
	down "$lab"
done

echo
echo "== TCP, 4 flows of $((bytes / 4000000)) MB at once, 2 workers on a one-queue veth (af_xdp): flow steering (MB/s in all)"
for mode in on off; do
	lab=tb$((RANDOM % 10000))
	up "$lab" --io af_xdp --kernel-addr --lcores '0@0,1@0,2@1' \
		--popdp-args "--tcp-stream-test-port 80 --flow-steering $mode" || continue
	p=() l=()
	for r in $(seq "$runs"); do
		p+=("$(flows "$lab" 198.18.0.1 80 4 $((bytes / 4)))")
		[ "$mode" = on ] && l+=("$(flows "$lab" 198.18.0.3 5001 4 $((bytes / 4)))")
	done
	pm=$(median "${p[@]}")
	if [ "$mode" = on ]; then
		lm=$(median "${l[@]}")
		echo "steering on: pop $pm (runs: ${p[*]}), Linux $lm (runs: ${l[*]}), pop/Linux $(ratio "$pm" "$lm")"
		on=$pm
	else
		echo "steering off: pop $pm (runs: ${p[*]}); on/off $(ratio "${on:-n/a}" "$pm")"
	fi
	down "$lab"
done

echo
echo "== TCP through the relay (loss=1%,delay=25ms,jitter=10ms,dup=1%,reorder=1%), $((ibytes / 1000000)) MB," \
	"pop and Linux at the same time (MB/s, median of $runs)"
for cc in cubic newreno; do
	lcc=$cc
	[ "$cc" = newreno ] && lcc=reno
	server_cc=(--cc "$lcc")
	lab=tb$((RANDOM % 10000))
	up "$lab" --impair "loss=1%,delay=25ms,jitter=10ms,dup=1%,reorder=1%,seed=42" \
		--popdp-args "--tcp-stream-test-port 80 --tcp-cc $cc" || continue
	p=() l=()
	for r in $(seq "$runs"); do
		flows "$lab" 198.18.0.1 80 1 "$ibytes" 280 >"$work/p.txt" &
		sleep 0.2
		"$lab_tool" exec "$lab" client -- timeout 290 /usr/bin/python3 "$stream" client \
			--host 198.18.0.3 --port 5001 --recv "$ibytes" --timeout 280 2>&1 | tail -n 1 >"$work/l.json"
		wait
		p+=("$(cat "$work/p.txt")")
		l+=("$(python3 -c 'import json,sys
r=json.load(open(sys.argv[1])); print("%.3f" % r["goodput_MBps"] if r.get("ok") else "fail")' "$work/l.json" 2>/dev/null || echo fail)")
	done
	pm=$(median "${p[@]}")
	lm=$(median "${l[@]}")
	echo "$cc (Linux: $lcc): pop $pm (runs: ${p[*]}), Linux $lm (runs: ${l[*]}), pop/Linux $(ratio "$pm" "$lm")"
	down "$lab"
done
