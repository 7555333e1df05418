#!/usr/bin/env bash
# pop's TCP against Linux's own through the lab's impairment relay: the same
# 100 MB stream (the stream.py protocol) from popdp's lab-only stream test
# service and from a kernel-socket server in the same namespace, through the
# same relay (1% loss, 25 ms +- 10 ms delay, 1% duplication, 1% reordering,
# both ways), at the same time, with the same congestion control. Both must arrive
# byte-identical (SHA-256); the goodputs are printed side by side.
#   POP_TCP_STREAM_BYTES (default 100000000), POP_TCP_CC (cubic | newreno),
#   POP_TCP_IMPAIR (the relay's spec), POP_TCP_POPDP_ARGS (more popdp options,
#   e.g. --tcp-no-tlp) change the run.
set -u
. "$(dirname "$0")/lib.sh"
LAB=$(unique_name ti)
LABS=$LAB
work=$(mktemp -d)
trap 'for l in $LABS; do "$POP_LAB" down "$l" >/dev/null 2>&1; done; rm -rf "$work"' EXIT
bytes=${POP_TCP_STREAM_BYTES:-100000000}
cc=${POP_TCP_CC:-cubic}
impair=${POP_TCP_IMPAIR:-loss=1%,delay=25ms,jitter=10ms,dup=1%,reorder=1%,seed=42}
linux_cc=$cc
[ "$cc" = newreno ] && linux_cc=reno

if ! "$POP_LAB" up --name "$LAB" --empty --impair "$impair" \
	--popdp-args "--tcp-stream-test-port 80 --tcp-cc $cc ${POP_TCP_POPDP_ARGS:-}" >"$work/up.log" 2>&1; then
	not_ok "pop-lab up --impair"
	sed 's/^/# /' "$work/up.log"
	tap_end
	exit 1
fi
vip=$(lab_value "$LAB" vip4)
stream="$(dirname "$0")/stream.py"
# In a subshell: it is killed with the lab, and bash has no job to report.
("$POP_LAB" exec "$LAB" pop -- setsid /usr/bin/python3 "$stream" server --bind 198.18.0.3 \
	--port 5001 --cc "$linux_cc" >"$work/server.log" 2>&1 &)
sleep 1

get() { # json key
	python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2" 2>/dev/null
}
run() { # host port -> the client's JSON line
	"$POP_LAB" exec "$LAB" client -- timeout 570 /usr/bin/python3 "$stream" client \
		--host "$1" --port "$2" --recv "$bytes" --timeout 560 2>&1 | tail -n 1
}
# Both at once: the same relay, the same seconds of machine time, twice as fast.
run "$vip" 80 >"$work/pop.json" &
p1=$!
run 198.18.0.3 5001 >"$work/linux.json" &
p2=$!
wait $p1 $p2
pop=$(cat "$work/pop.json")
linux=$(cat "$work/linux.json")
check "pop's TCP: $bytes bytes byte-identical through the relay" [ "$(get "$pop" ok)" = True ]
check "Linux's TCP: $bytes bytes byte-identical through the relay" [ "$(get "$linux" ok)" = True ]
pg=$(get "$pop" goodput_MBps)
lg=$(get "$linux" goodput_MBps)
echo "# relay: $impair; congestion control: $cc (Linux: $linux_cc)"
echo "# goodput: pop $pg MB/s in $(get "$pop" seconds) s, Linux $lg MB/s in $(get "$linux" seconds) s," \
	"ratio $(python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$pg" "$lg" 2>/dev/null)"
echo "# pop tcp: $("$POPCTL" --socket "$(lab_value "$LAB" socket)" --output json stats |
	python3 -c 'import json,sys; t=json.load(sys.stdin)["dataplane"]["tcp"]
print(" ".join("%s=%s" % (k, v) for k, v in t.items() if v and not isinstance(v, dict)))')"
tap_end
