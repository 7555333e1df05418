#!/usr/bin/env bash
# Zone transfers from pop (AXFR, RFC 5936; IXFR, RFC 1995 in AXFR form) in the
# lab: refused without a transfer policy and for a client it does not list;
# kdig AXFR of a zone of 5,000+ records (several messages) from the client
# namespace returns exactly the record sets pop holds (export-zone); IXFR
# with the current serial is the SOA alone, with an older one the whole
# zone; a change batch grows the SOA serial; and Knot DNS (knotd) in the
# client namespace, a secondary with pop as its primary, transfers the zone,
# serves it, and after a change on pop and `knotc zone-refresh` serves the
# new record; with the secondary in the zone's Notify list (popd, in the pop
# namespace, reaches it from the kernel address 198.18.0.3 on dp0:
# --kernel-addr), a change on pop reaches knotd by NOTIFY within seconds,
# without a refresh, and popd reports the NOTIFY answered; a transfer under
# which the zones table changes is reset (counted), and the next one is
# whole. Bounded: every wait has a deadline; knotd is stopped by its pid.
set -u
. "$(dirname "$0")/lib.sh"
LAB=$(unique_name xf)
LABS=$LAB
work=$(mktemp -d)
PY=/usr/bin/python3
KPORT=5353
cleanup() {
	local pid i
	pid=$(cat "$work/knot/run/knot.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
		for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	fi
	for l in $LABS; do "$POP_LAB" down "$l" >/dev/null 2>&1; done
	rm -rf "$work"
}
trap cleanup EXIT

# Room on the control socket for a zone file of 250,000 records.
echo '{"Bootstrap": {}, "Control": {"MaxRequestBytes": 67108864}}' >"$work/cfg.json"
if ! "$POP_LAB" up --name "$LAB" --empty --kernel-addr --config "$work/cfg.json" >"$work/up.log" 2>&1; then
	not_ok "pop-lab up"
	sed 's/^/# /' "$work/up.log"
	tap_end
	exit 1
fi
sock=$(lab_value "$LAB" socket)
vip=$(lab_value "$LAB" vip4)
vip6=$(lab_value "$LAB" vip6)
cli4=$(lab_value "$LAB" client4)
cns=$(lab_value "$LAB" client_ns)
kaddr=$(lab_value "$LAB" kernel4)
pc() { "$POPCTL" --socket "$sock" --output json "$@"; }
client() { "$POP_LAB" exec "$LAB" client -- "$@"; }
insync() { # change-id [tries of 50 ms]
	local i
	for i in $(seq "${2:-200}"); do
		[ "$(pc route53 get-change --id "$1" | jget ChangeInfo.Status)" = INSYNC ] && return 0
		sleep 0.05
	done
	return 1
}
policy() { # zone-id cidr... -> change id
	local z=$1
	shift
	"$PY" -c 'import json,sys; print(json.dumps({"HostedZoneId": sys.argv[1], "AllowTransfer": sys.argv[2:]}))' \
		"$z" "$@" >"$work/policy.json"
	pc route53 put-zone-transfer-policy --cli-input-json "file://$work/policy.json" | jget ChangeInfo.Id
}
serial() { # server [port] -> the SOA serial
	client kdig +short +time=2 +retry=1 -p "${2:-53}" @"$1" xfr.example SOA 2>/dev/null | awk '{print $3}'
}

# A zone of 5,000 A records and a few more, imported as a zone file.
"$PY" - "$work/zone.txt" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("$TTL 300\n")
    for i in range(5000):
        f.write("host-%05d.pool A 198.18.%d.%d\n" % (i, 100 + i // 250, i % 250 + 1))
    f.write('txt TXT "zone transfers" "from pop"\n')
    f.write("mail MX 10 host-00001.pool\n")
    f.write("sub NS ns.sub\nns.sub A 198.18.9.9\n")
PY
zone=$(pc route53 create-hosted-zone --name xfr.example --caller-reference "xfr-$LAB" | jget HostedZone.Id)
"$PY" -c 'import json,sys; print(json.dumps({"HostedZoneId": sys.argv[1], "ZoneFile": open(sys.argv[2]).read()}))' \
	"$zone" "$work/zone.txt" >"$work/import.json"
id=$(pc route53 import-zone --hosted-zone-id "$zone" --cli-input-json "file://$work/import.json" | jget ChangeInfo.Id)
check "import-zone of 5,004 record sets reaches INSYNC" insync "$id"

out=$(client kdig +tcp +time=3 @"$vip" xfr.example AXFR 2>&1)
check "AXFR without a transfer policy is refused" grep -q "REFUSED" <<<"$out"
n=$(pc route53 get-zone-transfer-policy --hosted-zone-id "$zone" | jget AllowTransfer)
check "get-zone-transfer-policy: none by default ($n)" [ "$n" = "[]" ]
id=$(policy "$zone" 2001:2::/48)
check "a policy for 2001:2::/48 alone reaches INSYNC" insync "$id"
out=$(client kdig +tcp +time=3 @"$vip" xfr.example AXFR 2>&1)
check "AXFR from 198.18.0.2, not in the policy, is refused" grep -q "REFUSED" <<<"$out"
out=$(client kdig +tcp +time=5 +nocomments @"$vip6" xfr.example AXFR 2>&1)
check "AXFR over IPv6 from a listed prefix is answered" grep -q "host-04999.pool.xfr.example" <<<"$out"
check "the refusals were counted" wait_stat_at_least "$LAB" tcp.dns.xfr_refused 2

id=$(policy "$zone" 198.18.0.0/15 2001:2::/48)
check "a policy for 198.18.0.0/15 and 2001:2::/48 reaches INSYNC" insync "$id"
m0=$(stat "$LAB" tcp.dns.xfr.messages)
client kdig +tcp +time=10 @"$vip" xfr.example AXFR >"$work/axfr.txt" 2>&1
pc route53 export-zone --hosted-zone-id "$zone" | jget ZoneFile >"$work/export.txt"
# Every record of export-zone once, the SOA twice (first and last), nothing else.
same_records() {
	"$PY" - "$work/axfr.txt" "$work/export.txt" <<'PY'
import sys
def recs(path):
    out = []
    for line in open(path):
        if not line.strip() or line.startswith(";") or line.startswith("$"):
            continue
        f = line.split()
        out.append((f[0].lower(), f[1], f[3], " ".join(f[4:])))
    return out
axfr, export = recs(sys.argv[1]), recs(sys.argv[2])
ok = (len(axfr) == len(export) + 1 and axfr[0] == axfr[-1] and axfr[0][2] == "SOA"
      and sorted(axfr[:-1]) == sorted(export))
print("# AXFR %d records, export-zone %d record lines" % (len(axfr), len(export)))
if not ok:
    a, e = set(axfr), set(export)
    print("# only in AXFR: %s" % sorted(a - e)[:5])
    print("# only in export-zone: %s" % sorted(e - a)[:5])
sys.exit(0 if ok else 1)
PY
}
check "AXFR returns every record of export-zone, SOA first and last" same_records
msgs=$(sed -n 's/^;; Received .*(\([0-9]*\) messages.*/\1/p' "$work/axfr.txt")
check "... in several messages of at most 64 KiB ($msgs)" [ "${msgs:-0}" -ge 2 ]
check "the messages were counted" wait_stat_at_least "$LAB" tcp.dns.xfr.messages $((m0 + ${msgs:-2}))
check "the transfer was counted complete" wait_stat_at_least "$LAB" tcp.dns.xfr.completed 2

s1=$(serial "$vip")
n=$(client kdig +tcp +time=3 +nocomments +nostats @"$vip" xfr.example IXFR="$s1" 2>&1 | grep -c 'SOA')
t=$(client kdig +tcp +time=3 +nocomments +nostats @"$vip" xfr.example IXFR="$s1" 2>&1 | grep -vc '^;\|^$')
check "IXFR with the current serial ($s1): the SOA alone ($n SOA, $t records)" [ "$n" = 1 ] && [ "$t" = 1 ]
t=$(client kdig +tcp +time=10 +nocomments +nostats @"$vip" xfr.example IXFR=$((s1 - 1)) 2>&1 | grep -vc '^;\|^$')
check "IXFR with an older serial: the whole zone in AXFR form ($t records)" [ "$t" = "$(grep -vc '^;\|^$' "$work/axfr.txt")" ]

# ------------------------------------------------ the tables change under a transfer
# A zone larger than pop's send buffer (4 MiB) and the client's small receive
# buffer: the client stops reading, a change batch is published, the client
# reads on; pop must not go on in the new generation: it resets the
# connection (counted) and the secondary would retry.
"$PY" - "$work/bulk.txt" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("$TTL 300\n")
    for i in range(250000):
        f.write("h%06d A 198.18.%d.%d\n" % (i, 100 + (i // 250) % 150, i % 250 + 1))
PY
bulk=$(pc route53 create-hosted-zone --name bulk.example --caller-reference "bulk-$LAB" | jget HostedZone.Id)
"$PY" -c 'import json,sys; print(json.dumps({"HostedZoneId": sys.argv[1], "ZoneFile": open(sys.argv[2]).read()}))' \
	"$bulk" "$work/bulk.txt" >"$work/bulk.json"
id=$(pc --timeout-ms 120000 route53 import-zone --hosted-zone-id "$bulk" --cli-input-json "file://$work/bulk.json" | jget ChangeInfo.Id)
check "import-zone of 250,000 record sets reaches INSYNC" insync "$id" 1200
id=$(policy "$bulk" 198.18.0.0/15)
check "its transfer policy reaches INSYNC" insync "$id" 1200
gen0=$(stat "$LAB" tcp.dns.xfr.aborted_generation)
client timeout 90 "$PY" - "$vip" "$work" >"$work/slow.txt" 2>&1 <<'PY' &
import os, socket, struct, sys, time
vip, work = sys.argv[1], sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.settimeout(30)
s.connect((vip, 53))
q = struct.pack(">HHHHHH", 0x5151, 0, 1, 0, 0, 0) + b"\x04bulk\x07example\x00" + struct.pack(">HH", 252, 1)
s.sendall(struct.pack(">H", len(q)) + q)
got = 0
while got < 100000:
    b = s.recv(65536)
    if not b:
        break
    got += len(b)
open(work + "/paused", "w").close()
deadline = time.time() + 60
while not os.path.exists(work + "/go") and time.time() < deadline:
    time.sleep(0.1)
try:
    while True:
        b = s.recv(65536)
        if not b:
            print("eof after %d bytes" % got)
            break
        got += len(b)
except ConnectionResetError:
    print("reset after %d bytes" % got)
except socket.timeout:
    print("timeout after %d bytes" % got)
PY
slow=$!
for i in $(seq 200); do [ -e "$work/paused" ] && break; sleep 0.1; done
cat >"$work/bulk-batch.json" <<'JSON'
{"Changes": [{"Action": "CREATE", "ResourceRecordSet": {"Name": "late.bulk.example", "Type": "A",
  "TTL": 60, "ResourceRecords": [{"Value": "198.18.7.8"}]}}]}
JSON
id=$(pc route53 change-resource-record-sets --hosted-zone-id "$bulk" --change-batch "file://$work/bulk-batch.json" | jget ChangeInfo.Id)
check "a change batch under the paused transfer reaches INSYNC" insync "$id" 1200
touch "$work/go"
wait $slow
out=$(cat "$work/slow.txt")
echo "# the paused client: $out"
check "the transfer was reset when the zones table changed under it" grep -q "^reset" <<<"$out"
check "... and counted (aborted_generation)" wait_stat_at_least "$LAB" tcp.dns.xfr.aborted_generation $((gen0 + 1))
n=$(client kdig +tcp +time=20 +noall +stats @"$vip" bulk.example AXFR 2>&1 | sed -n 's/^;; Received .*messages, \([0-9]*\) records.*/\1/p')
check "a new AXFR of the changed zone is whole: 250,000 + SOA, NS x4, the new record, SOA ($n)" [ "$n" = 250007 ]

# ------------------------------------------------------------ a Knot secondary
if ! command -v knotd >/dev/null; then
	skip "Knot DNS as a secondary of pop" "knotd missing (make deps installs knot)"
	tap_end
	exit 0
fi
mkdir -p "$work/knot/run" "$work/knot/db" "$work/knot/zones"
cat >"$work/knot/knot.conf" <<CONF
server:
    rundir: "$work/knot/run"
    pidfile: "$work/knot/run/knot.pid"
    listen: $cli4@$KPORT
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$work/knot/db"
log:
  - target: $work/knot/knot-info.log
    any: info
remote:
  - id: pop
    address: $vip@53
acl:
  - id: lab
    address: 198.18.0.0/15
    action: transfer
  - id: notify-from-pop
    address: $kaddr
    action: notify
template:
  - id: default
    storage: "$work/knot/zones"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: none
zone:
  - domain: xfr.example.
    master: pop
    acl: [lab, notify-from-pop]
CONF
ip netns exec "$cns" knotd -d -c "$work/knot/knot.conf" >"$work/knot/knotd.log" 2>&1
wait_for() { local i; for i in $(seq 100); do "$@" && return 0; sleep 0.2; done; return 1; }
knot_has() { # name [type] -> the secondary answers it
	[ -n "$(client kdig +short +time=1 +retry=0 -p $KPORT @"$cli4" "$1" "${2:-A}" 2>/dev/null)" ]
}
if wait_for knot_has host-04999.pool.xfr.example; then
	ok "knotd, a secondary of pop, transferred the zone and serves it"
else
	not_ok "knotd, a secondary of pop, transferred the zone and serves it"
	sed 's/^/# /' "$work/knot/knotd.log" "$work/knot/knot-info.log" | tail -n 20
fi
ks=$(serial "$cli4" $KPORT)
check "the secondary's serial is pop's ($ks, $s1)" [ "$ks" = "$s1" ]
client kdig +tcp +time=10 -p $KPORT @"$cli4" xfr.example AXFR >"$work/knot-axfr.txt" 2>&1
same_as_knot() {
	"$PY" - "$work/axfr.txt" "$work/knot-axfr.txt" <<'PY'
import sys
def recs(path):
    return sorted(tuple(l.split()[:1] + l.split()[1:2] + l.split()[3:]) for l in open(path)
                  if l.strip() and not l.startswith(";"))
a, b = recs(sys.argv[1]), recs(sys.argv[2])
print("# pop %d records, knot %d" % (len(a), len(b)))
sys.exit(0 if a == b and len(a) > 5000 else 1)
PY
}
check "the secondary holds exactly pop's records" same_as_knot

# A change batch on pop: the serial grows; a refresh brings it to the secondary.
cat >"$work/batch.json" <<'JSON'
{"Changes": [{"Action": "CREATE", "ResourceRecordSet": {"Name": "new.xfr.example", "Type": "A",
  "TTL": 60, "ResourceRecords": [{"Value": "198.18.7.7"}]}}]}
JSON
id=$(pc route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$work/batch.json" | jget ChangeInfo.Id)
check "a change batch reaches INSYNC" insync "$id"
s2=$(serial "$vip")
check "the SOA serial grew by one with the change ($s1 -> $s2)" [ "$s2" = $((s1 + 1)) ]
ip netns exec "$cns" knotc -c "$work/knot/knot.conf" zone-refresh xfr.example. >"$work/knotc.log" 2>&1
if wait_for knot_has new.xfr.example; then
	ok "after knotc zone-refresh the secondary serves the new record"
else
	not_ok "after knotc zone-refresh the secondary serves the new record"
	sed 's/^/# /' "$work/knotc.log" "$work/knot/knot-info.log" | tail -n 20
fi
ks=$(serial "$cli4" $KPORT)
check "the secondary's serial follows ($ks)" [ "$ks" = "$s2" ]

# NOTIFY: the secondary in the zone's Notify list learns of a change at once.
"$PY" -c 'import json,sys; print(json.dumps({"HostedZoneId": sys.argv[1], "AllowTransfer": ["198.18.0.0/15", "2001:2::/48"], "Notify": [sys.argv[2]]}))' \
	"$zone" "$cli4:$KPORT" >"$work/notify.json"
n=$(pc route53 put-zone-transfer-policy --cli-input-json "file://$work/notify.json" | jget Notify.0)
check "put-zone-transfer-policy takes Notify ($n)" [ "$n" = "$cli4:$KPORT" ]
notify_acked() { # serial -> popd's NOTIFY of that serial was answered
	local st
	st=$(pc route53 get-zone-transfer-policy --hosted-zone-id "$zone")
	[ "$(jget NotifyStatus.0.LastSerial <<<"$st")" = "$1" ] &&
		[ "$(jget NotifyStatus.0.Acked <<<"$st")" = True ]
}
check "the new target was notified of serial $s2 and answered" wait_for notify_acked "$s2"
cat >"$work/batch2.json" <<'JSON'
{"Changes": [{"Action": "CREATE", "ResourceRecordSet": {"Name": "notified.xfr.example", "Type": "A",
  "TTL": 60, "ResourceRecords": [{"Value": "198.18.7.9"}]}}]}
JSON
t0=$(date +%s%N)
id=$(pc route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$work/batch2.json" | jget ChangeInfo.Id)
check "a second change batch reaches INSYNC" insync "$id"
s3=$(serial "$vip")
knot_has_soon() { # within 5 s
	local i
	for i in $(seq 50); do knot_has notified.xfr.example && return 0; sleep 0.1; done
	return 1
}
if knot_has_soon; then
	ok "without a refresh the secondary serves the new record ($(( ($(date +%s%N) - t0) / 1000000 )) ms after the change)"
else
	not_ok "without a refresh the secondary serves the new record within 5 s"
	grep -i "notify\|refresh" "$work/knot/knot-info.log" | tail -n 10 | sed 's/^/# knotd: /'
	pc route53 get-zone-transfer-policy --hosted-zone-id "$zone" | sed 's/^/# /'
fi
check "the secondary's serial follows the NOTIFY ($(serial "$cli4" $KPORT), $s3)" [ "$(serial "$cli4" $KPORT)" = "$s3" ]
check "popd reports the NOTIFY of serial $s3 answered" wait_for notify_acked "$s3"
grep -i "notify" "$work/knot/knot-info.log" | tail -n 2 | sed 's/^/# knotd: /'
grep -i "xfr.example" "$work/knot/knot-info.log" | grep -i "XFR\|refresh" | grep -v "glue" | tail -n 4 | sed 's/^/# knotd: /'
check "no other transfer was aborted" [ "$(stat "$LAB" tcp.dns.xfr.aborted)" = 1 ]

tap_end
