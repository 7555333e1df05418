#!/usr/bin/env bash
# Install every Debian package that building, testing and benchmarking pop
# needs. Quick when all are present: it asks dpkg first, apt only if needed.
set -eu
packages=(
	# build
	build-essential meson ninja-build pkg-config clang llvm
	libdpdk-dev dpdk librte-mempool-ring23 librte-net-af-xdp23 librte-net-af-packet23
	libhyperscan-dev libbpf-dev libxdp-dev libssl-dev libjansson-dev libsqlite3-dev zlib1g-dev
	libmaxminddb-dev
	# the AWS API endpoint: XML, and botocore's service models it is generated from
	libxml2-dev python3-botocore
	# tests: sanitizers and libFuzzer, style, the lab's tools
	libclang-rt-14-dev clang-format cppcheck python3 python3-dnspython iproute2 iputils-ping ethtool bpftool
	procps psmisc knot-dnsutils knot
	dnsperf
	libmaxmind-db-writer-perl
	# the AWS API endpoint's lab test drives it with the real AWS CLI and boto3
	awscli python3-boto3
	# health checks: libcurl; their lab test: nginx and a TCP listener
	libcurl4-openssl-dev nginx-light socat openssl
	# the appliance image: building it, booting it, its firmware scripts' tests
	mmdebstrap qemu-system-x86 qemu-utils fdisk e2fsprogs dosfstools mtools socat jq systemd
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#packages[@]} packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing ${missing[*]}; run as root (make deps) to install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${packages[@]}"
