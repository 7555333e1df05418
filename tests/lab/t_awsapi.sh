#!/usr/bin/env bash
# The AWS API on the appliance: Debian's awscli and python3-boto3, run in the
# pop namespace against popd's HTTPS endpoint, drive every Route 53 and
# CloudFront verb the control socket has with their real argument forms
# (file://, --if-match); kdig in the client namespace then sees the changes;
# popctl and the endpoint see each other's changes at once; SigV4 failures,
# IAM policies (one zone only, explicit Deny) and throttling answer as AWS does.
set -u
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
LAB=$(unique_name a)
LABS=$LAB
work=$(mktemp -d)
chmod 755 "$work"
trap 'for l in $LABS; do "$POP_LAB" down "$l" >/dev/null 2>&1; done; rm -rf "$work"' EXIT

if [ ! -x /usr/bin/aws ] || ! /usr/bin/python3 -c 'import boto3' 2>/dev/null; then
	skip "the AWS API lab test" "Debian's awscli and python3-boto3 are not installed (tests/deps.sh)"
	tap_end
	exit 0
fi

cat >"$work/config.json" <<'JSON'
{"Bootstrap": {},
 "Api": {"Port": 8443, "Listen": "127.0.0.1", "RequestsPerSecond": 2, "Burst": 30,
         "MaxConnections": 8, "IdleTimeoutSeconds": 5, "MaxRequestBytes": 65536, "MaxHeaders": 32}}
JSON
if ! "$POP_LAB" up --name "$LAB" --config "$work/config.json" >"$work/up.log" 2>&1; then
	not_ok "pop-lab up"
	sed 's/^/# /' "$work/up.log"
	tap_end
	exit 1
fi
sock=$(lab_value "$LAB" socket)
vip=$(lab_value "$LAB" vip4)
state_dir=$(dirname "$(lab_value "$LAB" popd_log)")/store
ca="$state_dir/api-cert.pem"
endpoint=https://127.0.0.1:8443
pc() { "$POPCTL" --socket "$sock" --output json "$@"; }
jget() { /usr/bin/python3 -c 'import json,sys
d=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$1"; }
# The AWS CLI as a user runs it, with only the endpoint (and its CA) added.
aws() {
	"$POP_LAB" exec "$LAB" pop -- env AWS_ACCESS_KEY_ID="$KEY" AWS_SECRET_ACCESS_KEY="$SECRET" \
		AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
		AWS_PAGER= HOME="$work" /usr/bin/aws --endpoint-url "$endpoint" --ca-bundle "$ca" \
		--output json "$@"
}
boto() { # key secret check args... -> ok/not ok lines
	local line
	while IFS= read -r line; do
		case "$line" in
		PASS\ *) ok "boto3: ${line#PASS }" ;;
		FAIL\ *) not_ok "boto3: ${line#FAIL }" ;;
		ZONE\ *) echo "${line#ZONE }" >"$work/boto3-zone" ;;
		*) echo "# $line" ;;
		esac
	done < <("$POP_LAB" exec "$LAB" pop -- env HOME="$work" AWS_CONFIG_FILE=/dev/null \
		/usr/bin/python3 "$here/awsapi_client.py" "$endpoint" "$ca" "$@" 2>&1)
}
export -f aws jget
export POP_LAB LAB work endpoint ca
dig_a() { # name -> sorted addresses
	"$POP_LAB" exec "$LAB" client -- kdig @"$vip" "$1" A +short +timeout=2 +retry=1 | sort | tr '\n' ' '
}
fails_with() { # code command... : the AWS CLI exits non-zero naming the code
	local code=$1 out
	shift
	out=$("$@" 2>&1 >/dev/null) && {
		echo "# wanted ($code), the command succeeded"
		return 1
	}
	echo "$out" | grep -q "($code)" || {
		echo "# wanted ($code), got: $out"
		return 1
	}
}
quiet() { "$@" >/dev/null; }

check "the endpoint made a self-signed certificate with a 0600 key" \
	[ "$(command stat -c %a "$state_dir/api-key.pem")" = 600 ]

# Keys: made with popctl, the secret shown once and never logged.
pc iam create-access-key --user admin >"$work/key.json"
KEY=$(jget AccessKey.AccessKeyId <"$work/key.json")
SECRET=$(jget AccessKey.SecretAccessKey <"$work/key.json")
export KEY SECRET
check "popctl iam create-access-key --user prints an AKIA key id and a 40-character secret" \
	[ "${KEY:0:4}" = AKIA ] && [ "${#SECRET}" = 40 ]
check "list-access-keys shows the key without its secret" \
	bash -c "$POPCTL --socket $sock --output json iam list-access-keys | grep -q $KEY &&
		! $POPCTL --socket $sock --output json iam list-access-keys | grep -qF '$SECRET'"
check "the store holds no clear secret" \
	bash -c "! grep -rqaF '$SECRET' '$state_dir'"
cat >"$work/admin.json" <<'JSON'
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["route53:*", "cloudfront:*", "arc-zonal-shift:*"], "Resource": "*"}]}
JSON
check "iam put-user-policy --policy-document file://" \
	bash -c "$POPCTL --socket $sock iam put-user-policy --user-name admin --policy-name all --policy-document file://$work/admin.json >/dev/null"
echo '{"Statement": [{"Effect": "Allow", "Action": "route53:*", "Resource": "*", "Condition": {}}]}' >"$work/bad.json"
check "a policy with an unsupported member is refused (MalformedPolicyDocument)" \
	bash -c "$POPCTL --socket $sock iam put-user-policy --user-name admin --policy-name bad --policy-document file://$work/bad.json 2>&1 | grep -q MalformedPolicyDocument"

# ---- Route 53 ----
aws route53 create-hosted-zone --name api.test --caller-reference "cli-$LAB" \
	--hosted-zone-config Comment="made with the AWS CLI" >"$work/zone.json"
ZONE=$(jget HostedZone.Id <"$work/zone.json")
ZID=${ZONE##*/}
check "create-hosted-zone: Id, Location and the delegation set" \
	bash -c "[ -n '$ZID' ] && grep -q '\"Location\": \".*/hostedzone/$ZID\"' '$work/zone.json' && grep -q NameServers '$work/zone.json'"
check "get-hosted-zone --id /hostedzone/ID (the form the CLI prints)" \
	bash -c "[ \"\$(aws route53 get-hosted-zone --id $ZONE | jget HostedZone.Config.Comment)\" = 'made with the AWS CLI' ]"
check "list-hosted-zones lists it" \
	bash -c "aws route53 list-hosted-zones | grep -q '$ZONE'"
first=$(aws route53 list-hosted-zones-by-name --dns-name api.test --max-items 1 \
	--query 'HostedZones[0].Id' --output text)
check "list-hosted-zones-by-name --dns-name starts at that zone ($first)" [ "$first" = "$ZONE" ]
n=$(aws route53 get-hosted-zone-count --query HostedZoneCount --output text)
check "get-hosted-zone-count ($n)" [ "$n" = 1 ]
check "popctl sees the zone made over the AWS API at once" \
	bash -c "$POPCTL --socket $sock --output json route53 get-hosted-zone --id $ZID | grep -q api.test"

cat >"$work/batch.json" <<'JSON'
{"Comment": "www and a weighted pair",
 "Changes": [
  {"Action": "CREATE", "ResourceRecordSet": {"Name": "www.api.test", "Type": "A", "TTL": 60,
    "ResourceRecords": [{"Value": "198.18.1.10"}, {"Value": "198.18.1.11"}]}},
  {"Action": "CREATE", "ResourceRecordSet": {"Name": "w.api.test", "Type": "A", "TTL": 60,
    "SetIdentifier": "blue", "Weight": 1, "ResourceRecords": [{"Value": "198.18.1.20"}]}},
  {"Action": "CREATE", "ResourceRecordSet": {"Name": "w.api.test", "Type": "A", "TTL": 60,
    "SetIdentifier": "green", "Weight": 0, "ResourceRecords": [{"Value": "198.18.1.21"}]}},
  {"Action": "CREATE", "ResourceRecordSet": {"Name": "txt.api.test", "Type": "TXT", "TTL": 60,
    "ResourceRecords": [{"Value": "\"hello from the aws cli\""}]}}]}
JSON
aws route53 change-resource-record-sets --hosted-zone-id "$ZONE" \
	--change-batch "file://$work/batch.json" >"$work/change.json"
CHANGE=$(jget ChangeInfo.Id <"$work/change.json")
check "change-resource-record-sets --change-batch file:// returns a ChangeInfo ($CHANGE)" \
	bash -c "grep -q '\"Comment\": \"www and a weighted pair\"' '$work/change.json'"
check "aws route53 wait resource-record-sets-changed returns (GetChange INSYNC)" \
	quiet aws route53 wait resource-record-sets-changed --id "$CHANGE"
check "get-change says INSYNC" \
	bash -c "[ \"\$(aws route53 get-change --id $CHANGE | jget ChangeInfo.Status)\" = INSYNC ]"
got=$(dig_a www.api.test)
check "kdig from the client sees www.api.test ($got)" [ "$got" = "198.18.1.10 198.18.1.11 " ]
got=$(dig_a w.api.test)
check "kdig sees the weighted pair by its weights ($got)" [ "$got" = "198.18.1.20 " ]
got=$("$POP_LAB" exec "$LAB" client -- kdig @"$vip" txt.api.test TXT +short +timeout=2)
check "kdig sees the TXT record ($got)" [ "$got" = '"hello from the aws cli"' ]
aws route53 list-resource-record-sets --hosted-zone-id "$ZONE" >"$work/rrsets.json"
n=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["ResourceRecordSets"]))' "$work/rrsets.json")
check "list-resource-record-sets: NS, SOA and the 4 new sets ($n)" [ "$n" = 6 ]
# Naming a start record turns the CLI's own paging off: one page from there.
first=$(aws route53 list-resource-record-sets --hosted-zone-id "$ZONE" --start-record-name w.api.test \
	--start-record-type A --start-record-identifier green \
	--query 'ResourceRecordSets[0].SetIdentifier' --output text)
check "list-resource-record-sets --start-record-name/-type/-identifier starts there ($first)" \
	[ "$first" = green ]
n=$(aws route53 list-resource-record-sets --hosted-zone-id "$ZONE" --max-items 2 \
	--query 'length(ResourceRecordSets)' --output text)
check "list-resource-record-sets --max-items 2 ($n)" [ "$n" = 2 ]
check "a CREATE of an existing set: InvalidChangeBatch" \
	fails_with InvalidChangeBatch aws route53 change-resource-record-sets --hosted-zone-id "$ZONE" \
	--change-batch "file://$work/batch.json"
check "an unknown zone: NoSuchHostedZone" \
	fails_with NoSuchHostedZone aws route53 get-hosted-zone --id Z0000000000000000000
check "an unknown change: NoSuchChange" \
	fails_with NoSuchChange aws route53 get-change --id C0000000000000

# One set of handlers: popctl's change is seen by the AWS CLI, and back.
cat >"$work/popctl-batch.json" <<'JSON'
{"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {"Name": "www.api.test", "Type": "A",
  "TTL": 60, "ResourceRecords": [{"Value": "198.18.1.12"}]}}]}
JSON
pc route53 change-resource-record-sets --hosted-zone-id "$ZID" --change-batch "file://$work/popctl-batch.json" >/dev/null
check "a change made with popctl is listed by the AWS CLI at once" \
	bash -c "aws route53 list-resource-record-sets --hosted-zone-id $ZONE | grep -q 198.18.1.12"

check "delete-hosted-zone of a zone with record sets: HostedZoneNotEmpty" \
	fails_with HostedZoneNotEmpty aws route53 delete-hosted-zone --id "$ZONE"
/usr/bin/python3 - "$work/rrsets.json" "$work/delete.json" <<'PY'
import json, sys
sets = [s for s in json.load(open(sys.argv[1]))["ResourceRecordSets"] if s["Type"] not in ("NS", "SOA")]
for s in sets:
    if s["Name"] == "www.api.test.":
        s["ResourceRecords"] = [{"Value": "198.18.1.12"}]
json.dump({"Changes": [{"Action": "DELETE", "ResourceRecordSet": s} for s in sets]}, open(sys.argv[2], "w"))
PY
CHANGE=$(aws route53 change-resource-record-sets --hosted-zone-id "$ZONE" \
	--change-batch "file://$work/delete.json" | jget ChangeInfo.Id)
aws route53 wait resource-record-sets-changed --id "$CHANGE"
got=$("$POP_LAB" exec "$LAB" client -- kdig @"$vip" www.api.test A +timeout=2 | grep -o 'status: [A-Z]*')
check "after DELETE kdig gets NXDOMAIN ($got)" [ "$got" = "status: NXDOMAIN" ]
check "delete-hosted-zone" quiet aws route53 delete-hosted-zone --id "$ZONE"
check "the deleted zone: NoSuchHostedZone" \
	fails_with NoSuchHostedZone aws route53 get-hosted-zone --id "$ZONE"

# ---- CloudFront ----
cat >"$work/dist.json" <<JSON
{"CallerReference": "cli-$LAB", "Comment": "from the aws cli", "Enabled": true,
 "Aliases": {"Quantity": 1, "Items": ["cdn.api.test"]},
 "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "origin.example.com",
   "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}]},
 "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
   "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
 "CacheBehaviors": {"Quantity": 1, "Items": [
   {"PathPattern": "/api/*", "TargetOriginId": "o", "ViewerProtocolPolicy": "https-only",
    "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"}]}}
JSON
aws cloudfront create-distribution --distribution-config "file://$work/dist.json" >"$work/d.json"
DIST=$(jget Distribution.Id <"$work/d.json")
ETAG=$(jget ETag <"$work/d.json")
check "create-distribution --distribution-config file://: Id, ETag, Location ($DIST)" \
	bash -c "[ -n '$ETAG' ] && grep -q '\"Location\": \".*/distribution/$DIST\"' '$work/d.json'"
check "aws cloudfront wait distribution-deployed returns" \
	quiet aws cloudfront wait distribution-deployed --id "$DIST"
aws cloudfront get-distribution-config --id "$DIST" >"$work/dc.json"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["DistributionConfig"]; c["Comment"]="updated"; json.dump(c, open(sys.argv[2],"w")); print(d["ETag"])' \
	"$work/dc.json" "$work/dc2.json" >"$work/etag"
ETAG=$(cat "$work/etag")
check "update-distribution with a stale --if-match: PreconditionFailed" \
	fails_with PreconditionFailed aws cloudfront update-distribution --id "$DIST" --if-match E000STALE0000 \
	--distribution-config "file://$work/dc2.json"
aws cloudfront update-distribution --id "$DIST" --if-match "$ETAG" \
	--distribution-config "file://$work/dc2.json" >"$work/u.json"
check "update-distribution --if-match ETAG: the new comment and a new ETag" \
	bash -c "grep -q '\"Comment\": \"updated\"' '$work/u.json' && [ \"\$(grep -o '\"ETag\": \"[A-Z0-9]*\"' '$work/u.json')\" != '\"ETag\": \"$ETAG\"' ]"
check "popctl sees the update at once" \
	bash -c "$POPCTL --socket $sock --output json cloudfront get-distribution --id $DIST | grep -q '\"Comment\": \"updated\"'"
check "get-distribution" \
	bash -c "aws cloudfront get-distribution --id $DIST | grep -q cdn.api.test"
check "list-distributions" \
	bash -c "aws cloudfront list-distributions | grep -q '\"Id\": \"$DIST\"'"
check "an unknown distribution: NoSuchDistribution" \
	fails_with NoSuchDistribution aws cloudfront get-distribution --id E0000000000000
INV=$(aws cloudfront create-invalidation --distribution-id "$DIST" --paths "/api/*" /index.html | jget Invalidation.Id)
check "create-invalidation --paths ($INV)" [ -n "$INV" ]
check "get-invalidation" \
	bash -c "aws cloudfront get-invalidation --distribution-id $DIST --id $INV | grep -q index.html"
check "list-invalidations" \
	bash -c "aws cloudfront list-invalidations --distribution-id $DIST | grep -q $INV"

cat >"$work/cp.json" <<JSON
{"Name": "cli-$LAB", "Comment": "cache policy from the cli", "DefaultTTL": 60, "MaxTTL": 600, "MinTTL": 1,
 "ParametersInCacheKeyAndForwardedToOrigin": {"EnableAcceptEncodingGzip": true,
   "HeadersConfig": {"HeaderBehavior": "none"}, "CookiesConfig": {"CookieBehavior": "none"},
   "QueryStringsConfig": {"QueryStringBehavior": "whitelist", "QueryStrings": {"Quantity": 1, "Items": ["v"]}}}}
JSON
aws cloudfront create-cache-policy --cache-policy-config "file://$work/cp.json" >"$work/cpo.json"
CP=$(jget CachePolicy.Id <"$work/cpo.json")
check "create-cache-policy --cache-policy-config file:// ($CP)" [ -n "$CP" ]
CPE=$(aws cloudfront get-cache-policy-config --id "$CP" | jget ETag)
sed -i 's/"DefaultTTL": 60/"DefaultTTL": 120/' "$work/cp.json"
check "update-cache-policy --if-match" \
	bash -c "aws cloudfront update-cache-policy --id $CP --if-match $CPE --cache-policy-config file://$work/cp.json | grep -q '\"DefaultTTL\": 120'"
check "get-cache-policy" \
	bash -c "aws cloudfront get-cache-policy --id $CP | grep -q 'cli-$LAB'"
check "list-cache-policies --type custom" \
	bash -c "aws cloudfront list-cache-policies --type custom | grep -q $CP"
CPE=$(aws cloudfront get-cache-policy --id "$CP" | jget ETag)
check "delete-cache-policy --if-match" quiet aws cloudfront delete-cache-policy --id "$CP" --if-match "$CPE"

cat >"$work/orp.json" <<JSON
{"Name": "orp-$LAB", "Comment": "origin request policy",
 "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Quantity": 1, "Items": ["X-Tenant"]}},
 "CookiesConfig": {"CookieBehavior": "none"}, "QueryStringsConfig": {"QueryStringBehavior": "all"}}
JSON
ORP=$(aws cloudfront create-origin-request-policy --origin-request-policy-config "file://$work/orp.json" | jget OriginRequestPolicy.Id)
check "create-origin-request-policy ($ORP)" [ -n "$ORP" ]
ORPE=$(aws cloudfront get-origin-request-policy-config --id "$ORP" | jget ETag)
check "update-origin-request-policy --if-match" \
	quiet aws cloudfront update-origin-request-policy --id "$ORP" --if-match "$ORPE" \
	--origin-request-policy-config "file://$work/orp.json"
check "get-origin-request-policy and list-origin-request-policies" \
	bash -c "aws cloudfront get-origin-request-policy --id $ORP | grep -q X-Tenant && aws cloudfront list-origin-request-policies | grep -q $ORP"
ORPE=$(aws cloudfront get-origin-request-policy --id "$ORP" | jget ETag)
check "delete-origin-request-policy" quiet aws cloudfront delete-origin-request-policy --id "$ORP" --if-match "$ORPE"

cat >"$work/rhp.json" <<JSON
{"Name": "rhp-$LAB", "Comment": "response headers",
 "CustomHeadersConfig": {"Quantity": 1, "Items": [{"Header": "X-Served-By", "Value": "pop", "Override": true}]}}
JSON
RHP=$(aws cloudfront create-response-headers-policy --response-headers-policy-config "file://$work/rhp.json" | jget ResponseHeadersPolicy.Id)
check "create-response-headers-policy ($RHP)" [ -n "$RHP" ]
RHPE=$(aws cloudfront get-response-headers-policy-config --id "$RHP" | jget ETag)
check "update-response-headers-policy --if-match" \
	quiet aws cloudfront update-response-headers-policy --id "$RHP" --if-match "$RHPE" \
	--response-headers-policy-config "file://$work/rhp.json"
check "get-response-headers-policy and list-response-headers-policies" \
	bash -c "aws cloudfront get-response-headers-policy --id $RHP | grep -q X-Served-By && aws cloudfront list-response-headers-policies | grep -q $RHP"
RHPE=$(aws cloudfront get-response-headers-policy --id "$RHP" | jget ETag)
check "delete-response-headers-policy" quiet aws cloudfront delete-response-headers-policy --id "$RHP" --if-match "$RHPE"

# Deleting a distribution: refused while enabled, then disabled and deleted.
aws cloudfront get-distribution-config --id "$DIST" >"$work/dc.json"
ETAG=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["DistributionConfig"]; c["Enabled"]=False; json.dump(c, open(sys.argv[2],"w")); print(d["ETag"])' \
	"$work/dc.json" "$work/dc3.json")
check "delete-distribution while enabled: DistributionNotDisabled" \
	fails_with DistributionNotDisabled aws cloudfront delete-distribution --id "$DIST" --if-match "$ETAG"
ETAG=$(aws cloudfront update-distribution --id "$DIST" --if-match "$ETAG" \
	--distribution-config "file://$work/dc3.json" | jget ETag)
check "delete-distribution --if-match once disabled" \
	quiet aws cloudfront delete-distribution --id "$DIST" --if-match "$ETAG"

# ---- ARC zonal shift: tested where the commands exist on this build ----
if "$POPCTL" --socket "$sock" help 2>/dev/null | grep -q "arc list-zonal-shifts"; then
	check "arc-zonal-shift list-zonal-shifts" quiet aws arc-zonal-shift list-zonal-shifts
else
	check "an operation pop lacks (arc-zonal-shift list-zonal-shifts): InvalidAction" \
		fails_with InvalidAction aws arc-zonal-shift list-zonal-shifts
fi
check "an operation of the model pop does not implement (list-traffic-policies): InvalidAction" \
	fails_with InvalidAction aws route53 list-traffic-policies

# ---- boto3: the SDK's own parsing, waiters and paginators; SigV4 negatives ----
boto "$KEY" "$SECRET" boto3-route53
boto "$KEY" "$SECRET" signatures
boto "$KEY" "$SECRET" limits 8 5 65536 32

# ---- policies: one zone only; an explicit Deny ----
OTHER=$(pc route53 create-hosted-zone --name other.test --caller-reference "other-$LAB" | jget HostedZone.Id)
OTHER=${OTHER##*/}
ONE=$(cat "$work/boto3-zone" 2>/dev/null)
pc iam create-access-key --user-name zoneop >"$work/key2.json"
KEY2=$(jget AccessKey.AccessKeyId <"$work/key2.json")
SECRET2=$(jget AccessKey.SecretAccessKey <"$work/key2.json")
cat >"$work/one.json" <<JSON
{"Version": "2012-10-17", "Statement": [
  {"Sid": "OneZone", "Effect": "Allow", "Action": "route53:*", "Resource": "arn:aws:route53:::hostedzone/$ONE"},
  {"Effect": "Allow", "Action": ["route53:GetChange"], "Resource": "arn:aws:route53:::change/*"}]}
JSON
pc iam put-user-policy --user-name zoneop --policy-name one-zone --policy-document "file://$work/one.json" >/dev/null
boto "$KEY2" "$SECRET2" denied "$ONE" "$OTHER"
cat >"$work/deny.json" <<JSON
{"Statement": {"Effect": "Deny", "Action": "route53:Delete*", "Resource": "*"}}
JSON
pc iam put-user-policy --user-name zoneop --policy-name no-deletes --policy-document "file://$work/deny.json" >/dev/null
boto "$KEY2" "$SECRET2" explicit-deny "$ONE"
check "iam list-user-policies" \
	bash -c "$POPCTL --socket $sock --output json iam list-user-policies --user-name zoneop | grep -q no-deletes"

# ---- throttling: Burst 30, 2 per second, per key ----
pc iam create-access-key --user-name admin >"$work/key3.json"
boto "$(jget AccessKey.AccessKeyId <"$work/key3.json")" "$(jget AccessKey.SecretAccessKey <"$work/key3.json")" \
	throttle "$ONE" 30 2
check "a third key for one user: LimitExceeded (2 per user, as IAM)" \
	bash -c "$POPCTL --socket $sock iam create-access-key --user-name admin 2>&1 | grep -q LimitExceeded"

# ---- an inactive key is refused until it is made active again ----
pc iam update-access-key --access-key-id "$KEY2" --status Inactive >/dev/null
check "an Inactive key: InvalidClientTokenId" \
	fails_with InvalidClientTokenId env KEY="$KEY2" SECRET="$SECRET2" bash -c 'aws route53 get-hosted-zone --id "$1"' _ "$ONE"
pc iam update-access-key --access-key-id "$KEY2" --status Active >/dev/null
check "made Active again, it works" \
	env KEY="$KEY2" SECRET="$SECRET2" bash -c 'aws route53 get-hosted-zone --id "$1" >/dev/null' _ "$ONE"

# ---- deleting a key ends its access ----
check "iam delete-access-key" \
	bash -c "$POPCTL --socket $sock iam delete-access-key --access-key-id $KEY2 >/dev/null"
KEY=$KEY2 SECRET=$SECRET2
check "a deleted key: InvalidClientTokenId" \
	fails_with InvalidClientTokenId aws route53 get-hosted-zone --id "$ONE"

log=$(lab_value "$LAB" popd_log)
check "no secret appears in popd's log" \
	bash -c "! grep -qF '$SECRET' '$log' && ! grep -qF '$(jget AccessKey.SecretAccessKey <"$work/key.json")' '$log'"
tap_end
