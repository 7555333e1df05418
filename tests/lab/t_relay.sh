#!/usr/bin/env bash
# The impairment relay in the lab: pop-lab up --impair puts pop-relay between
# the client and popdp; at 0% it is transparent, its loss, delay and replay
# show in real traffic, Linux's TCP moves a stream through it intact, and
# down leaves nothing behind.
set -u
. "$(dirname "$0")/lib.sh"
LAB=$(unique_name r)
LABS=$LAB
lab_cleanup_on_exit
PY=/usr/bin/python3
STREAM="$here/stream.py"
BURST="$here/dnsburst.py"

relay_stat() { # key (e.g. ab.dropped) -> the relay's counter, fresh
	"$POP_LAB" status "$LAB" | sed -n "s/^relay\.$1=//p"
}
within() { # value lo hi
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'
}
impair() { # spec
	"$POP_LAB" impair "$LAB" "$1" >/dev/null
}

out=$("$POP_LAB" up --name "$LAB" --impair "seed=1" 2>&1)
rc=$?
check "pop-lab up --impair succeeds" [ $rc -eq 0 ]
if [ $rc -ne 0 ]; then
	echo "$out" | sed 's/^/# /'
	tap_end
	exit 1
fi
check "up prints the relay's namespace, pid and stats file" \
	grep -q "^relay_pid=[0-9]" <<<"$out"
rns=$(lab_value "$LAB" relay_ns)
rpid=$(lab_value "$LAB" relay_pid)
vip4=$(lab_value "$LAB" vip4)
k4=$(lab_value "$LAB" kernel4)
check "status: the relay is running in $rns" \
	bash -c "\"$POP_LAB\" status $LAB | grep -qx relay_running=yes"
check "a bad spec is refused before anything changes" \
	bash -c "! \"$POP_LAB\" impair $LAB 'loss=200%' 2>/dev/null && kill -0 $rpid"

# (a) at 0%: ping and DNS through the relay.
ping_vip() { "$POP_LAB" exec "$LAB" client -- ping -c 3 -i 0.2 -W 2 -q "$vip4" >/dev/null; }
check "ping $vip4 through the relay" ping_vip
out=$("$POP_LAB" exec "$LAB" client -- kdig +short +timeout=2 @"$vip4" www.example.com A 2>&1)
check "DNS through the relay ($out)" grep -qE '^198\.18\.1\.1[01]$' <<<"$out"
check "the relay forwarded both ways, dropped nothing" \
	bash -c "[ $(relay_stat ab.forwarded) -ge 4 ] && [ $(relay_stat ba.forwarded) -ge 4 ] &&
		[ $(relay_stat ab.dropped) -eq 0 ] && [ $(relay_stat ba.dropped) -eq 0 ]"

# (b) 10% loss each way: 2,000 queries in 1 s; about 19% of them unanswered.
impair "loss=10%,seed=7"
res=$("$POP_LAB" exec "$LAB" client -- $PY "$BURST" "$vip4" www.example.com 2000 2000 1.5)
answered=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["answered"])' "$res" 2>/dev/null)
ab_in=$(relay_stat ab.received)
ab_drop=$(relay_stat ab.dropped)
ba_in=$(relay_stat ba.received)
ba_drop=$(relay_stat ba.dropped)
echo "# burst: $res; relay ab $ab_drop/$ab_in dropped, ba $ba_drop/$ba_in dropped"
check "loss=10%: the relay dropped 7-13% client->pop" within "$((ab_drop * 1000 / (ab_in + 1)))" 70 130
check "loss=10%: the relay dropped 7-13% pop->client" within "$((ba_drop * 1000 / (ba_in + 1)))" 70 130
check "loss=10%: the relay saw the burst and popdp's answers (ab >= 2000, ba >= 1700)" \
	bash -c "[ $ab_in -ge 2000 ] && [ $ba_in -ge 1700 ]"
# Answered = queries that got through, less answers lost on the way back.
expect=$(((ab_in - ab_drop) - ba_drop))
check "answers ($answered) match what the relay let through both ways ($expect +- 40)" \
	within "${answered:-0}" $((expect - 40)) $((expect + 40))

# (c) 50 ms each way: a round trip of at least 100 ms.
impair "delay=50ms,seed=3"
out=$("$POP_LAB" exec "$LAB" client -- ping -c 4 -i 0.2 -W 3 -q "$vip4" 2>&1 | tail -n 1)
min=$(sed -n 's|.*= \([0-9.]*\)/.*|\1|p' <<<"$out")
echo "# delay=50ms: $out"
check "delay=50ms applies per direction: ping RTT >= 100 ms and < 160 ms (min ${min:-none})" \
	within "${min:-0}" 100 160

# (d) replay: the same seed gives the same decisions, another seed does not.
decisions() { # spec -> copy of the decision log after 200 pings
	impair "$1"
	"$POP_LAB" exec "$LAB" client -- ping -c 200 -i 0.005 -W 1 -q "$vip4" >/dev/null 2>&1
	sleep 0.3
	"$POP_LAB" status "$LAB" >/dev/null # SIGUSR1: the relay flushes its log
	cp "$(lab_value "$LAB" relay_decisions)" "$2"
}
tmp=$(mktemp -d)
spec="loss=10%,dup=5%,reorder=5%,delay=5ms,jitter=2ms"
decisions "$spec,seed=99" "$tmp/1"
decisions "$spec,seed=99" "$tmp/2"
decisions "$spec,seed=100" "$tmp/3"
first() { grep "^$1 " "$2" | head -n 150; }
n1=$(first ab "$tmp/1" | wc -l)
check "replay: 150 decisions logged each way ($n1 ab)" \
	bash -c "[ $n1 -eq 150 ] && [ \$(grep -c '^ba ' $tmp/1) -ge 150 ]"
check "replay: the same seed, the same first 150 decisions each way" \
	bash -c "diff <(grep '^ab ' $tmp/1 | head -n 150) <(grep '^ab ' $tmp/2 | head -n 150) >/dev/null &&
		diff <(grep '^ba ' $tmp/1 | head -n 150) <(grep '^ba ' $tmp/2 | head -n 150) >/dev/null"
check "replay: another seed, other decisions" \
	bash -c "! diff <(grep '^ab ' $tmp/1 | head -n 150) <(grep '^ab ' $tmp/3 | head -n 150) >/dev/null"
check "replay: the log has drops, copies and reorders" \
	bash -c "grep -q ' drop ' $tmp/1 && grep -q 'dup ' $tmp/1 && grep -q ' reorder' $tmp/1"
rm -rf "$tmp"

# (e) Linux's TCP (cubic) moves 20 MB from a kernel socket in the pop
# namespace (198.18.0.3, a port the prefilter passes to the kernel).
impair "loss=1%,delay=25ms,jitter=10ms,dup=1%,reorder=1%,seed=42"
ip netns exec "$(lab_value "$LAB" pop_ns)" setsid $PY "$STREAM" server --bind "$k4" --port 5001 \
	--cc cubic </dev/null >"$(dirname "$(lab_value "$LAB" relay_log)")/stream.log" 2>&1 &
disown # down kills it with everything else in the namespace
listening() {
	ip netns exec "$(lab_value "$LAB" pop_ns)" ss -Hltn "src $k4:5001" | grep -q LISTEN
}
for _ in $(seq 1 50); do
	listening && break
	sleep 0.2
done
res=$("$POP_LAB" exec "$LAB" client -- $PY "$STREAM" client --host "$k4" --port 5001 \
	--recv 20000000 --timeout 100)
echo "# linux tcp (cubic server) through the relay: $res"
check "20 MB from Linux's TCP through 1% loss, 25+-10 ms, 1% dup, 1% reorder: SHA-256 right" \
	grep -q '"ok": true' <<<"$res"
check "the relay did impair that transfer (drops, copies and reorders both ways)" \
	bash -c "[ $(relay_stat ba.dropped) -gt 0 ] && [ $(relay_stat ba.duplicated) -gt 0 ] &&
		[ $(relay_stat ba.reordered) -gt 0 ] && [ $(relay_stat ab.dropped) -gt 0 ]"

# (f) down removes the relay and its namespace.
rpid=$(lab_value "$LAB" relay_pid)
"$POP_LAB" down "$LAB"
check "down stops the relay" bash -c "! kill -0 $rpid 2>/dev/null"
check "down removes every namespace of the lab" bash -c "! ip netns list | grep -q '^pl-$LAB-'"
check "down removes the relay's namespace" bash -c "! ip netns list | grep -qw '$rns'"
tap_end
