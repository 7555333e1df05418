#!/bin/bash
# pop-tune in a dry run against a temporary sysfs/procfs tree: what it writes
# there, and the commands it would run.
set -u
top=$1
. "$top/tests/unit/firmware/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
script=$top/firmware/scripts/pop-tune
r=$tmp/root

fresh_tree() {
	rm -rf "$r"
	mkdir -p "$r/etc/pop" "$r/sys/kernel/mm/hugepages/hugepages-2048kB" "$r/sys/kernel/mm/hugepages/hugepages-1048576kB" \
		"$r/proc/sys/net/core" "$r/proc/sys/vm" "$r/proc/sys/net/ipv6/conf/ens3" "$r/proc/sys/net/ipv4/conf/ens3" \
		"$r/sys/class/net/ens3" "$r/sys/devices/system/cpu" "$r/proc/irq/10" "$r/proc/irq/11" \
		"$r/sys/bus/pci/devices/0000:03:00.0" "$r/sys/bus/pci/drivers/ixgbe" "$r/sys/kernel/iommu_groups/7"
	echo 0 >"$r/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
	echo 0 >"$r/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"
	for f in net/core/rmem_max vm/swappiness net/ipv6/conf/ens3/disable_ipv6 net/ipv4/conf/ens3/arp_ignore; do
		echo 0 >"$r/proc/sys/$f"
	done
	echo 52:54:00:00:5e:01 >"$r/sys/class/net/ens3/address"
	echo 0-3 >"$r/sys/devices/system/cpu/online"
	echo 0-3 >"$r/proc/irq/10/smp_affinity_list"
	echo 0-3 >"$r/proc/irq/11/smp_affinity_list"
	echo f >"$r/proc/irq/default_smp_affinity"
	echo 0-3 >"$r/proc/irq/default_smp_affinity_list"
	echo "BOOT_IMAGE=/vmlinuz root=UUID=x ro" >"$r/proc/cmdline"
	: >"$r/proc/mounts"
	: >"$r/sys/bus/pci/devices/0000:03:00.0/driver_override"
	: >"$r/sys/bus/pci/drivers/ixgbe/unbind"
	: >"$r/sys/bus/pci/drivers_probe"
	ln -s ../../drivers/ixgbe "$r/sys/bus/pci/devices/0000:03:00.0/driver"
}
tune() { env -i PATH="$PATH" bash "$script" --root "$r" --dry-run --env /etc/pop/pop.env 2>&1; }

fresh_tree
printf 'POP_DP_IO=af_xdp\nPOP_DP_MAC=52:54:00:00:5e:01\nPOP_HUGEPAGES_2M=256\nPOP_HUGETLBFS=/dev/hugepages\nPOP_ISOLATED_CPUS=2-3\n' >"$r/etc/pop/pop.env"
printf '# comment\nnet.core.rmem_max = 16777216\nvm.swappiness=0 # trailing\n\n' >"$r/etc/pop/sysctl.conf"
echo 7 >"$r/proc/sys/vm/swappiness"
out=$(tune)
rc=$?
check "a clean run exits 0" test "$rc" = 0
check "2 MB hugepages reserved, 1 GB left alone" sh -c \
	'test "$(cat "$1/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")" = 256 && test "$(cat "$1/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages")" = 0' _ "$r"
check "hugetlbfs mounted (dry run)" sh -c 'echo "$1" | grep -q "would run: mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages"' _ "$out"
check "sysctls applied, comments skipped" sh -c \
	'test "$(cat "$1/proc/sys/net/core/rmem_max")" = 16777216 && test "$(cat "$1/proc/sys/vm/swappiness")" = 0 && echo "$2" | grep -q "sysctls: 2 applied"' _ "$r" "$out"
check "data-plane NIC by MAC: no IPv6, no ARP from the kernel, up without addresses" sh -c '
	test "$(cat "$1/proc/sys/net/ipv6/conf/ens3/disable_ipv6")" = 1 && test "$(cat "$1/proc/sys/net/ipv4/conf/ens3/arp_ignore")" = 8 &&
	echo "$2" | grep -q "would run: ip addr flush dev ens3" && echo "$2" | grep -q "would run: ip link set dev ens3 up"' _ "$r" "$out"
check "IRQs moved off the isolated CPUs, with a kernel command line hint" sh -c '
	test "$(cat "$1/proc/irq/10/smp_affinity_list")" = 0,1 && test "$(cat "$1/proc/irq/11/smp_affinity_list")" = 0,1 &&
	echo "$2" | grep -q "IRQs: 2 moved to CPUs 0,1, off 2-3" && echo "$2" | grep -q "isolcpus=2-3 nohz_full=2-3 rcu_nocbs=2-3"' _ "$r" "$out"
check "no problems reported" sh -c 'echo "$1" | grep -q "pop-tune: done$"' _ "$out"

# hugetlbfs already there: not mounted again.
echo "nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0" >"$r/proc/mounts"
out=$(tune)
check "an existing hugetlbfs mount is kept" sh -c 'echo "$1" | grep -q "already mounted" && ! echo "$1" | grep -q "would run: mount"' _ "$out"

# pci: the NIC moves from its kernel driver to vfio-pci.
fresh_tree
printf 'POP_DP_IO=pci\nPOP_DP_PCI=0000:03:00.0\n' >"$r/etc/pop/pop.env"
out=$(tune)
check "pci: vfio-pci loaded, driver_override set, unbound from ixgbe, probed" sh -c '
	echo "$2" | grep -q "would run: modprobe vfio-pci" &&
	test "$(cat "$1/sys/bus/pci/devices/0000:03:00.0/driver_override")" = vfio-pci &&
	test "$(cat "$1/sys/bus/pci/drivers/ixgbe/unbind")" = 0000:03:00.0 &&
	test "$(cat "$1/sys/bus/pci/drivers_probe")" = 0000:03:00.0' _ "$r" "$out"
rmdir "$r/sys/kernel/iommu_groups/7"
out=$(tune)
check "pci without an IOMMU: a warning naming the fix" sh -c 'echo "$1" | grep -q "enable the IOMMU" && echo "$1" | grep -q "1 problem"' _ "$out"

# Bad settings: warnings and a count, never a crash; popd still starts.
fresh_tree
printf 'POP_DP_IO=af_xdp\nPOP_DP_IFACE=ens9\nPOP_HUGEPAGES_2M=lots\nPOP_ISOLATED_CPUS=0-3\n' >"$r/etc/pop/pop.env"
printf 'net.core.rmem_max\nkernel/../../etc = 1\nno.such.key = 1\n' >"$r/etc/pop/sysctl.conf"
out=$(tune)
rc=$?
check "bad settings: exit 0 with every problem counted" sh -c 'test "$1" = 0 && echo "$2" | grep -q "done with 6 problem(s)"' _ "$rc" "$out"
check "bad settings: each named" sh -c '
	echo "$1" | grep -q "\"lots\" is not a count" && echo "$1" | grep -q "not key = value" && echo "$1" | grep -q "bad key" &&
	echo "$1" | grep -q "no.such.key\|no/such/key" && echo "$1" | grep -q "ens9 not found" && echo "$1" | grep -q "leaves no CPU"' _ "$out"
[ $? = 0 ] || echo "$out" | sed "s/^/# /"
check "bad POP_ISOLATED_CPUS syntax is refused" sh -c '
	printf "POP_ISOLATED_CPUS=3-1\n" >"$1/etc/pop/pop.env"; env -i PATH="$PATH" bash "$2" --root "$1" --dry-run 2>&1 | grep -q "is not a CPU list"' _ "$r" "$script"
done_testing
