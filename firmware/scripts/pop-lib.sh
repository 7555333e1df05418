# Shared by pop's firmware scripts (sourced, not run).
# POP_ROOT prefixes every path the scripts read or write (tests point it at a
# temporary tree); POP_DRY_RUN=1 prints the commands that change the running
# system (mount, modprobe, ip) instead of running them.

POP_ROOT=${POP_ROOT:-}
POP_DRY_RUN=${POP_DRY_RUN:-}
POP_SCRIPT=${POP_SCRIPT:-pop}

log() { printf '%s: %s\n' "$POP_SCRIPT" "$*"; }
warn() { printf '%s: warning: %s\n' "$POP_SCRIPT" "$*" >&2; }
die() {
	printf '%s: error: %s\n' "$POP_SCRIPT" "$*" >&2
	exit 1
}

# Run a command that changes the system, or print it in a dry run.
run() {
	if [ -n "$POP_DRY_RUN" ]; then
		printf '%s: would run: %s\n' "$POP_SCRIPT" "$*"
	else
		"$@"
	fi
}

# Write a value into a sysfs/procfs file under POP_ROOT; 0 when it took.
write_file() {
	local path=$POP_ROOT$1 value=$2
	if [ ! -e "$path" ]; then
		warn "$1: not present; $value not written"
		return 1
	fi
	if ! printf '%s\n' "$value" >"$path" 2>/dev/null; then
		warn "$1: cannot write $value"
		return 1
	fi
	return 0
}

# Read KEY=VALUE lines (EnvironmentFile syntax) into POP_* variables not yet
# set by the caller's environment. Only POP_* keys; values may be quoted.
load_env() {
	local file=$1 line key value
	[ -r "$file" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in '' | '#'* | ';'*) continue ;; esac
		key=${line%%=*}
		value=${line#*=}
		case $key in POP_[A-Z0-9_]*) ;; *) continue ;; esac
		case $key in *[!A-Z0-9_]*) continue ;; esac
		case $value in \"*\") value=${value#\"} value=${value%\"} ;; \'*\') value=${value#\'} value=${value%\'} ;; esac
		if [ -z "${!key+set}" ]; then
			printf -v "$key" '%s' "$value"
			export "${key?}"
		fi
	done <"$file"
}

# Expand a CPU list ("0-3,6") into one number per line; fails on bad syntax.
cpu_list_expand() {
	local part lo hi
	local IFS=,
	for part in $1; do
		case $part in
		*[!0-9-]* | '' | -* | *- | *-*-*) return 1 ;;
		*-*)
			lo=${part%-*} hi=${part#*-}
			[ "$lo" -le "$hi" ] || return 1
			seq "$lo" "$hi"
			;;
		*) echo "$part" ;;
		esac
	done
}

# The kernel interface of the data plane: POP_DP_IFACE, else the one whose MAC
# is POP_DP_MAC. Prints the name; fails when neither resolves.
dp_iface() {
	local dev mac
	if [ -n "${POP_DP_IFACE:-}" ]; then
		case $POP_DP_IFACE in *[!A-Za-z0-9_.:-]* | ?????????????????*) return 1 ;; esac
		echo "$POP_DP_IFACE"
		return 0
	fi
	[ -n "${POP_DP_MAC:-}" ] || return 1
	mac=$(printf '%s' "$POP_DP_MAC" | tr 'A-F' 'a-f')
	for dev in "$POP_ROOT"/sys/class/net/*; do
		[ -r "$dev/address" ] || continue
		if [ "$(cat "$dev/address")" = "$mac" ]; then
			basename "$dev"
			return 0
		fi
	done
	return 1
}
