#!/usr/bin/env bash
# Differential test: one zone of well over 1,000 names (gen_zone.py) served by
# pop (popdp in the lab) and by Knot DNS (knotd, plain UDP, in a namespace of
# its own), and a corpus of several thousand queries sent to both from the
# lab's client namespace (dnsdiff.py). Per category of query: rcode, flags,
# EDNS, and the answer, authority and additional (A/AAAA) RRsets agree, order
# aside. What pop does on purpose as Route 53 does is documented, with its
# source, in dnsdiff.py (ROUTE53) and set aside for exactly the queries it
# concerns; so is Knot's own CNAME chain limit. A "not ok" line names the
# first differing queries of its category; POP_DIFF_KEEP=FILE keeps every
# difference (JSON lines: query, pop's answer, Knot's answer). Bounded: about
# half a minute here, at most 3 minutes; every wait has a deadline.
set -u
. "$(dirname "$0")/lib.sh"
LAB=$(unique_name x)
LABS=$LAB
KNS=pl-$LAB-knot # knotd's namespace (pop-lab down does not know it: the trap removes it)
KNOT4=198.19.53.1
KCLI4=198.19.53.2
work=$(mktemp -d)
cleanup() {
	local pid i
	pid=$(cat "$work/knot/run/knot.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
		for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	ip netns pids "$KNS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns del "$KNS" 2>/dev/null
	for l in $LABS; do "$POP_LAB" down "$l" >/dev/null 2>&1; done
	rm -rf "$work"
}
trap cleanup EXIT
PY=/usr/bin/python3

if ! command -v knotd >/dev/null; then
	skip "differential against Knot DNS" "knotd missing (make deps installs knot)"
	tap_end
	exit 0
fi

if ! timeout 60 "$PY" "$here/gen_zone.py" "$work/diff.example.zone" "$work/corpus.jsonl" \
	2>"$work/gen.log"; then
	not_ok "gen_zone.py writes the zone and the corpus"
	sed 's/^/# /' "$work/gen.log"
	tap_end
	exit 1
fi
ok "zone and corpus: $(sed 's/^gen_zone: //' "$work/gen.log")"

if ! "$POP_LAB" up --name "$LAB" --empty >"$work/up.log" 2>&1; then
	not_ok "pop-lab up"
	sed 's/^/# /' "$work/up.log"
	tap_end
	exit 1
fi
sock=$(lab_value "$LAB" socket)
vip=$(lab_value "$LAB" vip4)
cns=$(lab_value "$LAB" client_ns)
pc() { "$POPCTL" --socket "$sock" --output json "$@"; }

# ------------------------------------------------------------------ knotd
# Its own namespace; a veth to the lab's client namespace so that one client
# process reaches both servers. Plain UDP (no XDP), one worker, daemonized
# (its pid file says which process to stop). No CHAOS identities (id.server,
# version.bind): pop has none and refuses class CH, as Knot does without them.
ip netns add "$KNS"
ip -n "$KNS" link set lo up
ip link add name kn0 netns "$KNS" type veth peer name knot0 netns "$cns"
ip -n "$KNS" addr add "$KNOT4/24" dev kn0
ip -n "$cns" addr add "$KCLI4/24" dev knot0
ip -n "$KNS" link set kn0 up
ip -n "$cns" link set knot0 up
mkdir -p "$work/knot/run" "$work/knot/db"
cp "$work/diff.example.zone" "$work/knot/diff.example.zone"
cat >"$work/knot/knot.conf" <<CONF
server:
    rundir: "$work/knot/run"
    pidfile: "$work/knot/run/knot.pid"
    identity: ""
    version: ""
    listen: $KNOT4@53
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$work/knot/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "$work/knot"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: diff.example.
    file: "$work/knot/diff.example.zone"
CONF
ip netns exec "$KNS" knotd -d -c "$work/knot/knot.conf" >"$work/knot/knotd.log" 2>&1
knot_up() { ip netns exec "$cns" kdig +time=1 +retry=0 +short @"$KNOT4" diff.example. SOA | grep -q hostmaster 2>/dev/null; } 2>/dev/null
wait_for_ok() { local i; for i in $(seq 50); do "$@" && return 0; sleep 0.2; done; return 1; }
if wait_for_ok knot_up; then
	ok "knotd serves diff.example. in namespace $KNS"
else
	not_ok "knotd serves diff.example. in namespace $KNS"
	sed 's/^/# /' "$work/knot/knotd.log" | tail -n 20
	tap_end
	exit 1
fi

# ------------------------------------------------------------------ pop
# The file carries its own apex SOA and NS: import-zone UPSERTs them over the
# ones create-hosted-zone made, so both servers serve the same apex.
zone=$(pc route53 create-hosted-zone --name diff.example --caller-reference "diff-$LAB" | jget HostedZone.Id)
"$PY" -c 'import json,sys; print(json.dumps({"HostedZoneId": sys.argv[1], "ZoneFile": open(sys.argv[2]).read()}))' \
	"$zone" "$work/diff.example.zone" >"$work/import.json"
insync() { # change id
	local i
	for i in $(seq 200); do
		[ "$(pc route53 get-change --id "$1" | jget ChangeInfo.Status)" = INSYNC ] && return 0
		sleep 0.05
	done
	return 1
}
if id=$(pc route53 import-zone --hosted-zone-id "$zone" --cli-input-json "file://$work/import.json" 2>"$work/import.err" |
	jget ChangeInfo.Id) && insync "$id"; then
	ok "import-zone of the same file into pop reaches INSYNC"
else
	not_ok "import-zone of the same file into pop reaches INSYNC"
	sed 's/^/# /' "$work/import.err" | head -n 20
	tap_end
	exit 1
fi
pop_soa=$(ip netns exec "$cns" kdig +time=1 +retry=1 +short @"$vip" diff.example. SOA)
knot_soa=$(ip netns exec "$cns" kdig +time=1 +retry=1 +short @"$KNOT4" diff.example. SOA)
same_soa() { [ -n "$pop_soa" ] && [ "$pop_soa" = "$knot_soa" ]; }
check "both serve the same apex SOA ($pop_soa)" same_soa

# ------------------------------------------------------------------ the corpus
ip netns exec "$cns" timeout 170 "$PY" "$here/dnsdiff.py" "$vip" "$KNOT4" "$work/corpus.jsonl" \
	"$work/diffs.jsonl" 150 >"$work/diff.out" 2>"$work/diff.err"
rc=$?
while IFS= read -r line; do
	case "$line" in
	"ok "*) ok "${line#ok }" ;;
	"not ok "*) not_ok "${line#not ok }" ;;
	*) echo "$line" ;;
	esac
done <"$work/diff.out"
if [ $rc -ne 0 ]; then
	not_ok "dnsdiff.py ran to its end (exit $rc)"
	sed 's/^/# /' "$work/diff.err" | tail -n 20
fi
n=$(wc -l <"$work/corpus.jsonl")
check "popdp counted at least $n DNS answers" wait_stat_at_least "$LAB" dns.answers "$n"
if [ -n "${POP_DIFF_KEEP:-}" ]; then
	cp "$work/diffs.jsonl" "$POP_DIFF_KEEP" && echo "# every difference: $POP_DIFF_KEEP"
fi
tap_end
