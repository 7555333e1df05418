# Helpers for the lab tests: TAP output, bounded waits, counters from popctl.
# A test script sources this, sets LAB (its unique lab name) and calls
# lab_cleanup_on_exit so the lab is always torn down.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
POP_LAB="$here/pop-lab"
POP_BUILD=${POP_BUILD:-$(cd "$here/../.." && pwd)/build}
POPCTL=${POPCTL:-$POP_BUILD/control/popctl}
export POP_BUILD
tap_n=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); echo "not ok $tap_n - $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
check() { # description command...
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
tap_end() { echo "1..$tap_n"; }

unique_name() { # prefix -> a short name unused so far
	echo "$1$(( (RANDOM * 32768 + RANDOM) % 100000 ))"
}

lab_cleanup_on_exit() {
	trap 'for l in $LABS; do "$POP_LAB" down "$l" >/dev/null 2>&1; done' EXIT
}

# A member of the JSON on stdin by a dotted path (list indexes as numbers): jget a.0.b
jget() {
	python3 -c 'import json,sys
d=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$1"
}

lab_value() { # name key
	"$POP_LAB" status "$1" | sed -n "s/^$2=//p"
}

# The data plane's counters as seen by popd: dataplane.<path> from `popctl stats`.
stat() { # lab path (e.g. net.icmp4_echo_replies or net.drops.arp_not_for_vip)
	"$POPCTL" --socket "$(lab_value "$1" socket)" --output json stats 2>/dev/null |
		python3 -c '
import json, sys
d = json.load(sys.stdin).get("dataplane") or {}
for k in sys.argv[1].split("."):
    if isinstance(d, list):
        d = d[int(k)] if k.isdigit() and int(k) < len(d) else {}
    else:
        d = d.get(k, {}) if isinstance(d, dict) else {}
print(d if isinstance(d, int) else -1)' "$2"
}

wait_stat_at_least() { # lab path min [seconds]
	local deadline=$((SECONDS + ${4:-6})) v
	while ((SECONDS < deadline)); do
		v=$(stat "$1" "$2")
		[ "$v" -ge "$3" ] 2>/dev/null && return 0
		sleep 0.3
	done
	echo "# $2 is $(stat "$1" "$2"), wanted at least $3"
	return 1
}
