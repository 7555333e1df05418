#!/bin/bash
# pop-provision against a config drive directory and a temporary root.
set -u
top=$1
. "$top/tests/unit/firmware/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
script=$top/firmware/scripts/pop-provision
if ! command -v jq >/dev/null; then
	echo "ok 1 - provisioning # SKIP no jq (make deps)"
	echo "1..1"
	exit 0
fi
fresh_root() {
	rm -rf "$tmp/root" "$tmp/drive"
	mkdir -p "$tmp/root/etc/pop" "$tmp/drive"
	cp "$top/firmware/config/default.json" "$tmp/root/etc/pop/popd.json"
	cp "$top/firmware/config/pop.env" "$tmp/root/etc/pop/pop.env"
}
provision() { env -i PATH="$PATH" bash "$script" --root "$tmp/root" --drive "$tmp/drive" 2>&1; }
env_of() { sed -n "s/^$1=//p" "$tmp/root/etc/pop/pop.env"; }

fresh_root
printf 'instance-id: iid-one\nlocal-hostname: edge7\n' >"$tmp/drive/meta-data"
cat >"$tmp/drive/pop.json" <<'JSON'
{"Instance": "edge", "DataPlane": {"Io": "af_packet", "MacAddress": "52:54:00:AA:00:01",
  "Vips": ["198.18.100.15", "2001:2::15"], "Lcores": "0-3", "Args": ["--rrl-rate", "200"]},
 "Tuning": {"Hugepages2M": 512, "IsolatedCpus": "2-3"},
 "Management": {"Interface": "ens4", "Address": "198.18.101.5/24", "Gateway": "198.18.101.1", "ControlTcp": "198.18.101.5:7001"},
 "Control": {"MaxConnections": 16},
 "Bootstrap": {"HostedZones": [{"Name": "edge.example", "Changes": []}]}}
JSON
out=$(provision)
check "a full pop.json is applied" test $? = 0
check "pop.env: instance, data plane, VIPs, lcores, options" sh -c '
	test "$(sed -n s/^POP_INSTANCE=//p "$1")" = edge &&
	test "$(sed -n s/^POP_DP_IO=//p "$1")" = af_packet &&
	test "$(sed -n s/^POP_DP_MAC=//p "$1")" = 52:54:00:aa:00:01 &&
	test "$(sed -n s/^POP_DP_VIPS=//p "$1")" = "198.18.100.15 2001:2::15" &&
	test "$(sed -n s/^POP_DP_LCORES=//p "$1")" = 0-3 &&
	test "$(sed -n s/^POP_DP_ARGS=//p "$1")" = "--rrl-rate 200"' _ "$tmp/root/etc/pop/pop.env"
check "pop.env: tuning and the control port" sh -c '
	test "$(sed -n s/^POP_HUGEPAGES_2M=//p "$1")" = 512 &&
	test "$(sed -n s/^POP_ISOLATED_CPUS=//p "$1")" = 2-3 &&
	test "$(sed -n s/^POP_CONTROL_TCP=//p "$1")" = 198.18.101.5:7001 &&
	! grep -q POP_MGMT "$1"' _ "$tmp/root/etc/pop/pop.env"
check "popd.json: Control merged over the default, Bootstrap replaced" sh -c '
	jq -e ".Control.MaxConnections == 16 and .Control.MaxRequestBytes == 1048576 and
		(.Bootstrap.HostedZones | length) == 1 and .Bootstrap.HostedZones[0].Name == \"edge.example\"" "$1" >/dev/null' \
	_ "$tmp/root/etc/pop/popd.json"
check "networkd: the data-plane NIC unmanaged, the management NIC static" sh -c '
	grep -qx "MACAddress=52:54:00:aa:00:01" "$1/10-pop-dataplane.network" && grep -qx "Unmanaged=yes" "$1/10-pop-dataplane.network" &&
	grep -qx "Name=ens4" "$1/20-pop-management.network" && grep -qx "Address=198.18.101.5/24" "$1/20-pop-management.network" &&
	grep -qx "Gateway=198.18.101.1" "$1/20-pop-management.network"' _ "$tmp/root/etc/systemd/network"
check "host name and instance id recorded" sh -c \
	'test "$(cat "$1/etc/hostname")" = edge7 && test "$(cat "$1/var/lib/pop/provisioned-instance-id")" = iid-one' _ "$tmp/root"

# The same instance again: nothing is rewritten (an operator's edits stay).
echo "POP_DP_ARGS=--edited" >>"$tmp/root/etc/pop/pop.env"
out=$(provision)
check "the same instance-id again changes nothing" sh -c 'echo "$1" | grep -q "already provisioned" && grep -qx "POP_DP_ARGS=--edited" "$2"' _ "$out" "$tmp/root/etc/pop/pop.env"

# meta-data as other tools write it: quoted, CRLF, padded; the first value wins.
fresh_root
printf 'instance-id:  "iid-two" \r\nlocal-hostname: \x27edge8\x27\r\ninstance-id: iid-later\n' >"$tmp/drive/meta-data"
echo '{}' >"$tmp/drive/pop.json"
provision >/dev/null
check "meta-data with quotes, CRLF and spaces: the first instance-id and host name" sh -c \
	'test "$(cat "$1/var/lib/pop/provisioned-instance-id")" = iid-two && test "$(cat "$1/etc/hostname")" = edge8' _ "$tmp/root"

# Bad drives: a clear error naming the field, and nothing written.
reject() {
	local name=$1 want=$2 json=$3 meta=${4:-instance-id: iid-bad}
	fresh_root
	printf '%s\n' "$meta" >"$tmp/drive/meta-data"
	printf '%s\n' "$json" >"$tmp/drive/pop.json"
	cp "$tmp/root/etc/pop/pop.env" "$tmp/before.env"
	out=$(provision)
	rc=$?
	if [ "$rc" != 0 ] && echo "$out" | grep -q -- "$want" && cmp -s "$tmp/before.env" "$tmp/root/etc/pop/pop.env" &&
		[ ! -e "$tmp/root/var/lib/pop/provisioned-instance-id" ]; then
		ok "rejected: $name"
	else
		not_ok "rejected: $name"
		echo "$out" | sed 's/^/# /'
	fi
}
reject "not JSON" "rejected" '{"DataPlane": '
reject "not an object" "must be a JSON object" '[1, 2]'
reject "unknown top-level field" "unknown field Dataplane" '{"Dataplane": {}}'
reject "unknown DataPlane field" "unknown field Vip" '{"DataPlane": {"Vip": []}}'
reject "a VIP that is no address" "DataPlane.Vips" '{"DataPlane": {"Io": "af_xdp", "Interface": "ens3", "Vips": ["198.18.0.1; reboot"]}}'
reject "an unknown Io" "DataPlane.Io" '{"DataPlane": {"Io": "netmap", "Interface": "ens3", "Vips": ["198.18.0.1"]}}'
reject "an interface name too long" "DataPlane.Interface" '{"DataPlane": {"Interface": "a-very-long-interface-name", "Vips": ["198.18.0.1"]}}'
reject "VIPs without a NIC" "needs Interface or MacAddress" '{"DataPlane": {"Io": "af_xdp", "Vips": ["198.18.0.1"]}}'
reject "pci without an address" "needs PciAddress" '{"DataPlane": {"Io": "pci", "Vips": ["198.18.0.1"]}}'
reject "hugepages not a count" "Tuning.Hugepages2M" '{"Tuning": {"Hugepages2M": -4}}'
reject "hugepages beyond the bound" "Tuning.Hugepages2M" '{"Tuning": {"Hugepages2M": 99999999}}'
reject "an option with shell characters" "DataPlane.Args" '{"DataPlane": {"Args": ["$(reboot)"]}}'
reject "a control port that is no address" "Management.ControlTcp" '{"Management": {"ControlTcp": "everywhere"}}'
reject "Bootstrap not an object" "Bootstrap: must be an object" '{"Bootstrap": []}'
reject "no instance-id" "no instance-id" '{}' 'local-hostname: x'
reject "an instance-id with a slash" "instance-id" '{}' 'instance-id: ../../etc'
head -c 5000000 /dev/zero | tr '\0' ' ' >"$tmp/big.json"
reject "a pop.json over the size bound" "larger than" "$(cat "$tmp/big.json"){}"

# No drive: the current settings stay.
fresh_root
out=$(env -i PATH="$PATH" bash "$script" --root "$tmp/root" --drive "$tmp/none" 2>&1)
check "an empty drive directory is an error, not a crash" test $? = 1
done_testing
