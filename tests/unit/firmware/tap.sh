# TAP for the firmware scripts' tests (sourced).
n=0
failed=0
ok() { n=$((n + 1)) && echo "ok $n - $*"; }
not_ok() { n=$((n + 1)) && failed=$((failed + 1)) && echo "not ok $n - $*"; }
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" && return 1; fi
}
done_testing() {
	echo "1..$n"
	[ "$failed" = 0 ]
}
