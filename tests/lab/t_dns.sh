#!/usr/bin/env bash
# Authoritative DNS from popdp in the lab: record sets made through popctl are
# answered to kdig and dnspython in the client namespace; routing policies and
# health overrides take effect on the next query; a change made while queries
# flow loses or garbles none of them.
set -u
. "$(dirname "$0")/lib.sh"
LAB=$(unique_name d)
LABS=$LAB
work=$(mktemp -d)
trap 'for l in $LABS; do "$POP_LAB" down "$l" >/dev/null 2>&1; done; rm -rf "$work"' EXIT

if ! "$POP_LAB" up --name "$LAB" --empty >"$work/up.log" 2>&1; then
	not_ok "pop-lab up"
	sed 's/^/# /' "$work/up.log"
	tap_end
	exit 1
fi
sock=$(lab_value "$LAB" socket)
vip=$(lab_value "$LAB" vip4)
vip6=$(lab_value "$LAB" vip6)
pc() { "$POPCTL" --socket "$sock" --output json "$@"; }
client() { "$POP_LAB" exec "$LAB" client -- "$@"; }
dq() { client /usr/bin/python3 "$(dirname "$0")/dnscheck.py" "$vip" "$@"; }
insync() { # change id
	local i
	for i in $(seq 200); do
		[ "$(pc route53 get-change --id "$1" | jget ChangeInfo.Status)" = INSYNC ] && return 0
		sleep 0.05
	done
	return 1
}
batch() { # zone, file: apply and wait until in use
	local id
	id=$(pc route53 change-resource-record-sets --hosted-zone-id "$1" --change-batch "file://$2" | jget ChangeInfo.Id) || return 1
	insync "$id"
}

zone=$(pc route53 create-hosted-zone --name example.com --caller-reference "dns-$LAB" | jget HostedZone.Id)
cat >"$work/zone.txt" <<'ZONE'
$ORIGIN example.com.
$TTL 300
@       IN MX    10 mail.example.com.
@       IN TXT   "v=spf1 -all"
@       IN CAA   0 issue "amazon.com"
mail    IN A     198.18.0.25
mail    IN AAAA  2001:2::25
alias   IN CNAME mail
chain   IN CNAME alias
_sip._tcp IN SRV 10 60 5060 mail.example.com.
*.wild  IN A     198.18.0.77
a.b.deep IN A    198.18.0.88
sub     IN NS    ns1.sub.example.com.
ns1.sub IN A     198.18.0.53
ptr     IN PTR   mail.example.com.
ZONE
python3 -c 'import json,sys; print(json.dumps({"HostedZoneId": sys.argv[1], "ZoneFile": open(sys.argv[2]).read()}))' "$zone" "$work/zone.txt" >"$work/import.json"
id=$(pc route53 import-zone --cli-input-json "file://$work/import.json" | jget ChangeInfo.Id)
check "import-zone reaches INSYNC" insync "$id"

have() { # name type expected-substring
	local out
	out=$(dq resolve "$1" "$2" 2>&1)
	grep -qF -- "$3" <<<"$out" && return 0
	echo "# $1 $2: wanted \"$3\" in:"
	sed 's/^/#   /' <<<"$out"
	return 1
}
check "A record" have mail.example.com A "answer mail.example.com. A 300 198.18.0.25"
check "AAAA record" have mail.example.com AAAA "2001:2::25"
check "MX at the apex, with the exchange's address in additional" have example.com MX "additional mail.example.com. A 198.18.0.25"
check "TXT record" have example.com TXT '"v=spf1 -all"'
check "CAA record" have example.com CAA '0 issue "amazon.com"'
check "SRV record" have _sip._tcp.example.com SRV "10 60 5060 mail.example.com."
check "PTR record" have ptr.example.com PTR "mail.example.com."
check "SOA at the apex" have example.com SOA "answer example.com. SOA"
check "NS at the apex" have example.com NS "answer example.com. NS"
check "a CNAME chain is followed inside the zone" have chain.example.com A "answer mail.example.com. A 300 198.18.0.25"
check "wildcard synthesis" have anything.wild.example.com A "answer anything.wild.example.com. A 300 198.18.0.77"
check "NXDOMAIN with the SOA in authority" have nope.example.com A "rcode NXDOMAIN"
check "... and the SOA is there" have nope.example.com A "authority example.com. SOA"
check "NODATA for a type the name lacks" have mail.example.com MX "authority example.com. SOA"
check "an empty non-terminal is NODATA, not NXDOMAIN" have b.deep.example.com A "rcode NOERROR"
check "a delegation is a referral with glue" have host.sub.example.com A "additional ns1.sub.example.com. A 198.18.0.53"
notaa() { ! dq resolve "$1" "$2" | grep -q '^flags.* AA'; }
check "... and not authoritative" notaa host.sub.example.com A
check "a name outside every zone is REFUSED" have www.example.org A "rcode REFUSED"
out=$(client kdig +short @"$vip" mail.example.com A 2>&1)
check "kdig over IPv4 gets the answer ($out)" [ "$out" = 198.18.0.25 ]
out=$(client kdig +short @"$vip6" mail.example.com AAAA 2>&1)
check "kdig over IPv6 gets the answer ($out)" [ "$out" = 2001:2::25 ]
check "the question's case is preserved" have MaIl.ExAmPlE.cOm A "question MaIl.ExAmPlE.cOm."
out=$(client kdig +cookie @"$vip" mail.example.com A 2>&1)
check "an EDNS cookie is answered with a server cookie" grep -qi "COOKIE: [0-9a-f]\{16\}[0-9a-f]\{16,\}" <<<"$out"

# A name public and private at once: the private zone answers its source prefix only.
client ip addr add 198.18.0.3/24 dev eth0
pub=$(pc route53 create-hosted-zone --name corp.example --caller-reference "pub-$LAB" | jget HostedZone.Id)
cat >"$work/priv.json" <<JSON
{"Name": "corp.example", "CallerReference": "priv-$LAB",
 "HostedZoneConfig": {"Comment": "lab", "PrivateZone": true}, "SourcePrefixes": ["198.18.0.2/32"]}
JSON
priv=$(pc route53 create-hosted-zone --cli-input-json "file://$work/priv.json" | jget HostedZone.Id)
check "a private hosted zone is created for a source prefix" [ -n "$priv" ]
for z in "$pub:198.18.0.40" "$priv:198.18.0.41"; do
	cat >"$work/p.json" <<JSON
{"Changes": [{"Action": "CREATE", "ResourceRecordSet": {"Name": "app.corp.example", "Type": "A",
  "TTL": 60, "ResourceRecords": [{"Value": "${z#*:}"}]}}]}
JSON
	batch "${z%%:*}" "$work/p.json"
done
export DNS_SRC=198.18.0.2
check "from inside the private zone's prefix, the private answer" have app.corp.example A 198.18.0.41
export DNS_SRC=198.18.0.3
check "from another address, the public answer" have app.corp.example A 198.18.0.40
unset DNS_SRC

# Geolocation from EDNS Client Subnet: three countries and the default.
perl "$(dirname "$0")/geo-test-db.pl" "$work/geo.mmdb"
check "popctl geo load-database reads a MaxMind DB" \
	bash -c "$POPCTL --socket $sock geo load-database --path $work/geo.mmdb >/dev/null"
cat >"$work/g.json" <<'JSON'
{"Changes": [
 {"Action": "CREATE", "ResourceRecordSet": {"Name": "geo.example.com", "Type": "A", "TTL": 60,
  "SetIdentifier": "de", "GeoLocation": {"CountryCode": "DE"}, "ResourceRecords": [{"Value": "198.18.0.51"}]}},
 {"Action": "CREATE", "ResourceRecordSet": {"Name": "geo.example.com", "Type": "A", "TTL": 60,
  "SetIdentifier": "fr", "GeoLocation": {"CountryCode": "FR"}, "ResourceRecords": [{"Value": "198.18.0.52"}]}},
 {"Action": "CREATE", "ResourceRecordSet": {"Name": "geo.example.com", "Type": "A", "TTL": 60,
  "SetIdentifier": "ca", "GeoLocation": {"CountryCode": "US", "SubdivisionCode": "CA"},
  "ResourceRecords": [{"Value": "198.18.0.53"}]}},
 {"Action": "CREATE", "ResourceRecordSet": {"Name": "geo.example.com", "Type": "A", "TTL": 60,
  "SetIdentifier": "default", "GeoLocation": {"CountryCode": "*"}, "ResourceRecords": [{"Value": "198.18.0.50"}]}}]}
JSON
check "geolocation record sets are published" batch "$zone" "$work/g.json"
geo_is() { # ecs-address expected
	local out
	for i in $(seq 20); do # the geo table is published beside the zones: wait for it
		out=$(dq ecs geo.example.com A "$1" 24 2>&1)
		grep -q "answer geo.example.com. A 60 $2" <<<"$out" && return 0
		sleep 0.1
	done
	echo "# ECS $1: wanted $2 in:"
	sed 's/^/#   /' <<<"$out"
	return 1
}
check "geolocation: a client subnet in Germany gets the DE answer" geo_is 198.19.1.0 198.18.0.51
check "geolocation: France" geo_is 198.19.2.0 198.18.0.52
check "geolocation: California, the most specific match" geo_is 198.19.3.0 198.18.0.53
check "geolocation: Japan has no record and gets the default" geo_is 198.19.4.0 198.18.0.50
out=$(dq ecs geo.example.com A 198.19.1.0 24 2>&1)
check "the client subnet is echoed with the scope used ($(grep ^ecs <<<"$out"))" grep -q "^ecs 198.19.1.0 24 scope [1-9]" <<<"$out"

# Weighted: 3 to 1 over 100,000 queries, within 2 points.
cat >"$work/w.json" <<'JSON'
{"Changes": [
 {"Action": "CREATE", "ResourceRecordSet": {"Name": "www.example.com", "Type": "A", "TTL": 60,
  "SetIdentifier": "a", "Weight": 3, "ResourceRecords": [{"Value": "198.18.0.10"}]}},
 {"Action": "CREATE", "ResourceRecordSet": {"Name": "www.example.com", "Type": "A", "TTL": 60,
  "SetIdentifier": "b", "Weight": 1, "ResourceRecords": [{"Value": "198.18.0.11"}]}}]}
JSON
check "weighted record sets are published" batch "$zone" "$work/w.json"
res=$(dq weighted www.example.com 100000)
share=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); c=d["counts"]; t=sum(c.values()); print("%.3f" % (c.get("198.18.0.10",0)/t if t else 0))' "$res")
check "weighted 3:1 gives 75% within 2 points (got $share of $(jget answered <<<"$res"))" \
	python3 -c "import sys; sys.exit(0 if abs($share - 0.75) <= 0.02 else 1)"

# Failover with a health check overridden by hand.
cat >"$work/f.json" <<'JSON'
{"Changes": [
 {"Action": "CREATE", "ResourceRecordSet": {"Name": "api.example.com", "Type": "A", "TTL": 60,
  "SetIdentifier": "p", "Failover": "PRIMARY", "HealthCheckId": "hc-primary",
  "ResourceRecords": [{"Value": "198.18.0.20"}]}},
 {"Action": "CREATE", "ResourceRecordSet": {"Name": "api.example.com", "Type": "A", "TTL": 60,
  "SetIdentifier": "s", "Failover": "SECONDARY", "ResourceRecords": [{"Value": "198.18.0.21"}]}}]}
JSON
check "failover record sets are published" batch "$zone" "$work/f.json"
check "failover: the healthy primary answers" have api.example.com A "198.18.0.20"
pc route53 set-health-check-status --health-check-id hc-primary --status Unhealthy >/dev/null
check "failover: the secondary answers on the first query after the primary turns unhealthy" have api.example.com A "198.18.0.21"
pc route53 set-health-check-status --health-check-id hc-primary --status Healthy >/dev/null
check "failover: back to the primary once it is healthy" have api.example.com A "198.18.0.20"

# A change committed while queries flow: none lost, none wrong.
cat >"$work/u.json" <<'JSON'
{"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {"Name": "live.example.com", "Type": "A",
  "TTL": 60, "ResourceRecords": [{"Value": "198.18.0.30"}]}}]}
JSON
batch "$zone" "$work/u.json"
client /usr/bin/python3 "$(dirname "$0")/dnscheck.py" "$vip" flood live.example.com 6 "$work/flood.json" &
flood=$!
sleep 1
for i in 31 32 33 34 35; do
	sed -i "s/198.18.0.[0-9]*\"}]}}]}/198.18.0.$i\"}]}}]}/" "$work/u.json"
	batch "$zone" "$work/u.json"
	sleep 0.3
done
wait $flood
res=$(cat "$work/flood.json")
check "queries during 5 generation swaps: none lost, none wrong ($res)" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["lost"]==0 and d["wrong"]==0 and d["answered"]>100 and len(d["addresses"])>=2 else 1)' "$work/flood.json"
check "popdp counted the DNS answers" wait_stat_at_least "$LAB" dns.answers 20000
tap_end
