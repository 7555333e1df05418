#!/bin/bash
# systemd-analyze verify on pop's units, with their commands pointed at the
# source tree and the build (the installed paths do not exist here).
# usage: t_units.sh SOURCE_ROOT BUILD_ROOT
set -u
top=$1 build=$2
. "$top/tests/unit/firmware/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! command -v systemd-analyze >/dev/null; then
	echo "ok 1 - units # SKIP no systemd-analyze"
	echo "1..1"
	exit 0
fi
for unit in "$top"/firmware/systemd/*.service; do
	sed -e "s|/usr/libexec/pop/|$top/firmware/scripts/|g" -e "s|/usr/sbin/popd |$build/control/popd |" \
		"$unit" >"$tmp/$(basename "$unit")"
done
for unit in "$tmp"/*.service; do
	out=$(SYSTEMD_UNIT_PATH=$tmp: systemd-analyze verify "$unit" 2>&1)
	rc=$?
	check "systemd-analyze verify $(basename "$unit") (no warnings)" test "$rc" = 0 -a -z "$out"
	[ -z "$out" ] || echo "$out" | sed 's/^/# /'
done
# The verifier itself catches a broken unit (so the checks above can fail).
printf '[Service]\nExecStart=relative/path\nBogusKey=1\n' >"$tmp/broken.service"
out=$(SYSTEMD_UNIT_PATH=$tmp: systemd-analyze verify "$tmp/broken.service" 2>&1)
check "systemd-analyze verify reports a broken unit" test -n "$out"
# What the units promise: ordering, restart and watchdog.
u=$top/firmware/systemd
check "popdp is ordered after popd and requires it" \
	sh -c "grep -qx 'After=popd.service pop-tune.service network-pre.target' '$u/popdp.service' && grep -qx 'Requires=popd.service' '$u/popdp.service'"
check "popd and popdp restart on failure and have a watchdog" \
	sh -c "for s in popd popdp; do grep -qx 'Restart=on-failure' '$u/'\$s.service && grep -q '^WatchdogSec=' '$u/'\$s.service && grep -qx 'Type=notify' '$u/'\$s.service || exit 1; done"
check "provisioning and tuning run before popd" \
	sh -c "grep -q '^Before=.*popd.service' '$u/pop-provision.service' && grep -q '^Before=popd.service' '$u/pop-tune.service'"
done_testing
