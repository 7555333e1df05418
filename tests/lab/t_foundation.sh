#!/usr/bin/env bash
# The foundation in the lab: popdp answers ARP, NDP and echo for its VIPs on
# af_xdp and af_packet, counts and drops what it does not serve, restarts in
# place, and a lab leaves nothing behind.
set -u
. "$(dirname "$0")/lib.sh"
LAB=$(unique_name f)
LABS=$LAB
lab_cleanup_on_exit

out=$("$POP_LAB" up --name "$LAB" --io af_xdp 2>&1)
rc=$?
check "pop-lab up (af_xdp) succeeds" [ $rc -eq 0 ]
missing=""
for k in pop_ns client_ns origin_ns vip4 vip6 socket popd_pid popdp_pid; do
	echo "$out" | grep -q "^$k=." || missing="$missing $k"
done
check "up prints key=value lines for namespaces, VIPs, socket and PIDs${missing:+ (missing:$missing)}" [ -z "$missing" ]
if [ $rc -ne 0 ]; then
	echo "$out" | sed 's/^/# /'
	tap_end
	exit 1
fi
vip4=$(lab_value "$LAB" vip4)
vip6=$(lab_value "$LAB" vip6)
sock=$(lab_value "$LAB" socket)

"$POP_LAB" up --name "$LAB" >/dev/null 2>&1
check "up of a lab that is already up refuses" [ $? -ne 0 ]

st=$("$POPCTL" --socket "$sock" --output json status)
check "popctl status: the data plane is attached" grep -q '"attached": true' <<<"$st"
check "popctl status: it names the VIPs" grep -q "$vip6" <<<"$st"

check "ping $vip4 from the client is answered" \
	"$POP_LAB" exec "$LAB" client -- ping -c 3 -i 0.2 -W 2 -q "$vip4"
check "ping $vip6 from the client is answered" \
	"$POP_LAB" exec "$LAB" client -- ping -6 -c 3 -i 0.2 -W 2 -q "$vip6"
out=$("$POP_LAB" exec "$LAB" client -- kdig +short @"$vip4" www.example.com A 2>&1)
check "the embedded default config's demo zone answers (www.example.com: $out)" \
	grep -qE '^198\.18\.1\.1[01]$' <<<"$out"
out=$("$POP_LAB" exec "$LAB" client -- kdig +short @"$vip6" example.com MX 2>&1)
check "... over IPv6 too (example.com MX: $out)" [ "$out" = "10 mail.example.com." ]
check "counters: 3 ICMP echo replies" wait_stat_at_least "$LAB" net.icmp4_echo_replies 3
check "counters: 3 ICMPv6 echo replies" wait_stat_at_least "$LAB" net.icmp6_echo_replies 3
check "counters: an ARP reply" wait_stat_at_least "$LAB" net.arp_replies 1
check "counters: a neighbour advertisement" wait_stat_at_least "$LAB" net.ndp_adverts 1

# An unsolicited protocol (SCTP, 132) to each VIP: no answer, counted drops.
"$POP_LAB" exec "$LAB" client -- python3 -c '
import socket, sys
for fam, addr in ((socket.AF_INET, sys.argv[1]), (socket.AF_INET6, sys.argv[2])):
    s = socket.socket(fam, socket.SOCK_RAW, 132)
    for i in range(5):
        s.sendto(b"\0" * 16, (addr, 0))
' "$vip4" "$vip6"
# The XDP prefilter hands popdp only what it serves: these go to the kernel.
check "an unsolicited protocol to the VIPs is counted and passed by the prefilter" \
	wait_stat_at_least "$LAB" prefilter.xdp.Counters.pass_kernel.Packets 10
"$POP_LAB" exec "$LAB" client -- ping -c 1 -W 1 -q 198.18.0.9 >/dev/null 2>&1
check "ARP for an address that is not a VIP gets no answer" [ $? -ne 0 ]

pns=$(lab_value "$LAB" pop_ns)
old_pid=$(lab_value "$LAB" popdp_pid)
"$POP_LAB" restart-dataplane "$LAB" >/dev/null 2>&1
check "popdp stopped and started again in the same lab attaches again" [ $? -eq 0 ]
check "the old popdp is gone" bash -c "! kill -0 $old_pid 2>/dev/null"
check "after the restart, ping $vip4 is answered again" \
	"$POP_LAB" exec "$LAB" client -- ping -c 3 -i 0.2 -W 2 -q "$vip4"
check "after the restart, ping $vip6 is answered again" \
	"$POP_LAB" exec "$LAB" client -- ping -6 -c 2 -i 0.2 -W 2 -q "$vip6"

dp_pid=$(lab_value "$LAB" popdp_pid)
popd_pid=$(lab_value "$LAB" popd_pid)
kill -TERM "$dp_pid"
for i in $(seq 50); do kill -0 "$dp_pid" 2>/dev/null || break; sleep 0.1; done
check "popdp exits on SIGTERM" bash -c "! kill -0 $dp_pid 2>/dev/null"
check "popdp printed its per-reason counters when it stopped" \
	grep -q "drop ipv4_unknown_protocol=" "$(lab_value "$LAB" popdp_log)"
check "no XDP program stays attached once popdp stopped" \
	bash -c "! ip -n $pns link show dp0 | grep -q xdp"
check "popdp's EAL runtime files are gone once it stopped" [ ! -e "/var/run/dpdk/pop-$LAB" ]

"$POP_LAB" down "$LAB" >/dev/null 2>&1
check "pop-lab down succeeds" [ $? -eq 0 ]
left=""
ip netns list | grep -q "pl-$LAB-" && left="$left namespaces"
kill -0 "$popd_pid" 2>/dev/null && left="$left popd"
[ -e "/run/pop/$LAB" ] && left="$left /run/pop/$LAB"
[ -e "/var/run/dpdk/pop-$LAB" ] && left="$left dpdk-runtime"
ls /dev/hugepages/pop-"$LAB"* >/dev/null 2>&1 && left="$left hugepage-files"
ls /dev/shm/ 2>/dev/null | grep -q "pop-$LAB" && left="$left shm"
ip link show 2>/dev/null | grep -qE "dp0|org0" && left="$left interfaces"
check "after down nothing is left${left:+ (left:$left)}" [ -z "$left" ]
"$POP_LAB" down "$LAB" >/dev/null 2>&1
check "a second down is harmless" [ $? -eq 0 ]

# The same first packet on the af_packet PMD.
LAB2=$(unique_name p)
LABS="$LAB $LAB2"
if "$POP_LAB" up --name "$LAB2" --io af_packet >/dev/null 2>&1; then
	ok "pop-lab up (af_packet) succeeds"
	check "af_packet: ping $vip4 is answered" \
		"$POP_LAB" exec "$LAB2" client -- ping -c 3 -i 0.2 -W 2 -q "$vip4"
	check "af_packet: ping $vip6 is answered" \
		"$POP_LAB" exec "$LAB2" client -- ping -6 -c 3 -i 0.2 -W 2 -q "$vip6"
else
	not_ok "pop-lab up (af_packet) succeeds"
fi
"$POP_LAB" down "$LAB2" >/dev/null 2>&1
tap_end
