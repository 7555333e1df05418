#!/bin/bash
# popdp-start: the popdp command built from pop.env, and --check.
set -u
top=$1
. "$top/tests/unit/firmware/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
script=$top/firmware/scripts/popdp-start
mkdir -p "$tmp/sys/class/net/ens3" "$tmp/sys/class/net/ens4"
echo 52:54:00:00:5e:01 >"$tmp/sys/class/net/ens3/address"
echo 52:54:00:00:5e:02 >"$tmp/sys/class/net/ens4/address"
run() { env -i PATH="$PATH" bash "$script" --root "$tmp" --env /pop.env "$@" 2>&1; }

printf 'POP_INSTANCE=edge1\nPOP_DP_IO=af_packet\nPOP_DP_MAC=52:54:00:00:5E:02\nPOP_DP_VIPS=198.18.100.15 2001:2::1\nPOP_DP_LCORES=0-2\nPOP_DP_ARGS=--rrl-rate 100\n' >"$tmp/pop.env"
check "af_packet on the NIC found by MAC, every VIP, extra options" \
	test "$(run --print)" = "/usr/sbin/popdp -l 0-2 --vdev net_af_packet0,iface=ens4 -- --instance edge1 --vip 198.18.100.15 --vip 2001:2::1 --rrl-rate 100"
check "--check passes when configured" run --check
printf 'POP_DP_IO=af_xdp\nPOP_DP_IFACE=ens3\nPOP_DP_VIPS="198.18.0.1"\n' >"$tmp/pop.env"
check "af_xdp with pop's pre-filter, quoted values, default instance and lcores" \
	test "$(run --print)" = "/usr/sbin/popdp -l 0-1 --vdev net_af_xdp0,iface=ens3,xdp_prog=/usr/share/pop/ebpf/prefilter.o -- --instance default --vip 198.18.0.1"
printf 'POP_DP_IO=pci\nPOP_DP_PCI=0000:03:00.0\nPOP_DP_VIPS=198.18.0.1\n' >"$tmp/pop.env"
check "pci: the device allowed by address" \
	test "$(run --print)" = "/usr/sbin/popdp -l 0-1 -a 0000:03:00.0 -- --instance default --vip 198.18.0.1"
printf 'POP_DP_IO=af_xdp\nPOP_DP_IFACE=ens3\nPOP_DP_VIPS=\n' >"$tmp/pop.env"
out=$(run --check)
rc=$?
check "--check fails without VIPs and says why" sh -c 'test "$1" = 1 && echo "$2" | grep -q "no POP_DP_VIPS"' _ "$rc" "$out"
printf 'POP_DP_IO=af_packet\nPOP_DP_MAC=52:54:00:00:5e:99\nPOP_DP_VIPS=198.18.0.1\n' >"$tmp/pop.env"
run --check >/dev/null
check "--check fails when no NIC has the MAC" test $? = 1
printf 'POP_DP_IO=dpdk-magic\nPOP_DP_IFACE=ens3\nPOP_DP_VIPS=198.18.0.1\n' >"$tmp/pop.env"
run --check >/dev/null
check "--check fails on an unknown POP_DP_IO" test $? = 1
printf 'POP_DP_IO=af_packet\nPOP_DP_IFACE=ens3;reboot\nPOP_DP_VIPS=198.18.0.1\n' >"$tmp/pop.env"
run --check >/dev/null
check "an interface name with shell characters is refused" test $? = 1
done_testing
