#!/usr/bin/env bash
# The tables in the lab: a change made over the control socket is published,
# picked up by every popdp worker (GetChange INSYNC), survives a restart of
# either process, and acknowledged batches survive kill -9 of popd.
set -u
. "$(dirname "$0")/lib.sh"
LAB=$(unique_name t)
LABS=$LAB
lab_cleanup_on_exit
work=$(mktemp -d)
trap 'for l in $LABS; do "$POP_LAB" down "$l" >/dev/null 2>&1; done; rm -rf "$work"' EXIT

if ! "$POP_LAB" up --name "$LAB" --empty >"$work/up.log" 2>&1; then
	not_ok "pop-lab up"
	sed 's/^/# /' "$work/up.log"
	tap_end
	exit 1
fi
sock=$(lab_value "$LAB" socket)
pc() { "$POPCTL" --socket "$sock" --output json "$@"; }

kind_gen() { # kind Published|Applied
	pc tables | python3 -c 'import json,sys
for t in json.load(sys.stdin)["Tables"]:
    if t["Kind"] == sys.argv[1]: print(t[sys.argv[2]])' "$1" "$2"
}

wait_applied() { # kind generation
	local i
	for i in $(seq 100); do
		[ "$(kind_gen "$1" Applied)" = "$2" ] && return 0
		sleep 0.1
	done
	echo "# $1 applied is $(kind_gen "$1" Applied), wanted $2"
	return 1
}

wait_for_true() { # seconds command...
	local deadline=$((SECONDS + $1))
	shift
	while ((SECONDS < deadline)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

wait_insync() { # change id
	local deadline=$((SECONDS + 10)) st
	while ((SECONDS < deadline)); do
		st=$(pc route53 get-change --id "$1" | jget ChangeInfo.Status)
		[ "$st" = INSYNC ] && return 0
		sleep 0.05
	done
	echo "# change $1 is $st after 10 s"
	return 1
}

zone=$(pc route53 create-hosted-zone --name example.com --caller-reference "lab-$LAB" | jget HostedZone.Id)
check "create-hosted-zone returns an id" [ -n "$zone" ]

cat >"$work/batch.json" <<JSON
{"Comment": "lab", "Changes": [
 {"Action": "CREATE", "ResourceRecordSet": {"Name": "www.example.com", "Type": "A", "TTL": 60,
  "ResourceRecords": [{"Value": "198.18.0.1"}]}}]}
JSON
t0=$(date +%s%N)
change=$(pc route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$work/batch.json" | jget ChangeInfo.Id)
check "change-resource-record-sets returns a change id" [ -n "$change" ]
check "get-change reaches INSYNC once every worker uses the new zones generation" wait_insync "$change"
echo "# commit to INSYNC, seen through popctl polling: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
pub=$(kind_gen zones Published)
check "popctl tables: zones applied == published ($pub)" [ "$(kind_gen zones Applied)" = "$pub" ]
check "the workers report the zones generation in their counters" \
	wait_stat_at_least "$LAB" workers.0.generations.zones "$pub"

old=$(lab_value "$LAB" popdp_pid)
check "popdp restarted while popd runs attaches again" "$POP_LAB" restart-dataplane "$LAB"
check "after the popdp restart it uses the current zones generation" wait_applied zones "$pub"
sed -i 's/"www.example.com"/"api.example.com"/' "$work/batch.json"
change=$(pc route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$work/batch.json" | jget ChangeInfo.Id)
check "a change after the popdp restart reaches INSYNC" wait_insync "$change"

check "popd restarted while popdp runs serves again" "$POP_LAB" restart-control "$LAB"
n=$(pc route53 list-resource-record-sets --hosted-zone-id "$zone" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["ResourceRecordSets"]))')
check "the records are still there after the popd restart (SOA, NS, www, api: $n)" [ "$n" = 4 ]
sed -i 's/"api.example.com"/"mail.example.com"/' "$work/batch.json"
change=$(pc route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$work/batch.json" | jget ChangeInfo.Id)
check "a change after the popd restart reaches INSYNC on the running popdp" wait_insync "$change"
pc route53 get-change --id "$change" >/dev/null
check "get-change of an unknown id is refused" bash -c "! $POPCTL --socket $sock route53 get-change --id C0000000000000 >/dev/null 2>&1"

# The edge table: a distribution with ordered behaviors is compiled (with its
# Hyperscan database), loaded by popdp, and reported Deployed once in use.
cat >"$work/dist.json" <<JSON
{"CallerReference": "lab-$LAB", "Comment": "lab", "Enabled": true,
 "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "origin.example.com",
   "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}]},
 "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
   "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
 "CacheBehaviors": {"Quantity": 2, "Items": [
   {"PathPattern": "/api/*", "TargetOriginId": "o", "ViewerProtocolPolicy": "https-only",
    "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
   {"PathPattern": "*.jpg", "TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
    "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}]}}
JSON
dist=$(pc cloudfront create-distribution --distribution-config "file://$work/dist.json" | jget Distribution.Id)
check "create-distribution returns an id" [ -n "$dist" ]
deployed() { [ "$(pc cloudfront get-distribution --id "$dist" | jget Distribution.Status)" = Deployed ]; }
check "the distribution is Deployed once every worker uses the edge generation" \
	wait_for_true 10 deployed
check "popctl tables: edge applied == published" \
	[ "$(kind_gen edge Applied)" = "$(kind_gen edge Published)" ]

# A transaction: two changes staged, then committed at once.
tx=$(pc begin | jget TransactionId)
sed -i 's/"mail.example.com"/"tx1.example.com"/' "$work/batch.json"
pc --transaction "$tx" route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$work/batch.json" >/dev/null
sed -i 's/"tx1.example.com"/"tx2.example.com"/' "$work/batch.json"
pc --transaction "$tx" route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$work/batch.json" >/dev/null
n_staged=$(pc route53 list-resource-record-sets --hosted-zone-id "$zone" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["ResourceRecordSets"]))')
check "staged changes are not applied before commit ($n_staged record sets)" [ "$n_staged" = 5 ]
check "commit applies both staged changes" bash -c "$POPCTL --socket $sock commit --transaction-id $tx >/dev/null"
n_after=$(pc route53 list-resource-record-sets --hosted-zone-id "$zone" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["ResourceRecordSets"]))')
check "after commit both are there ($n_after record sets)" [ "$n_after" = 7 ]
tx=$(pc begin | jget TransactionId)
pc --transaction "$tx" route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$work/batch.json" >/dev/null 2>&1
check "staging a change that cannot apply (the set exists) is refused at once" [ $? -ne 0 ]
check "abort ends the transaction" bash -c "$POPCTL --socket $sock abort --transaction-id $tx >/dev/null"

# Durability: popd alone, killed with SIGKILL at random points of 200 batches.
seed=${POP_TEST_SEED:-$RANDOM}
mkdir -p "$work/dur"
while IFS= read -r line; do
	case "$line" in
	"ok "* | "not ok "*)
		desc=${line#* [0-9]* - }
		if [[ "$line" == ok* ]]; then ok "kill -9: $desc"; else not_ok "kill -9: $desc"; fi
		;;
	*) echo "$line" ;;
	esac
done < <(timeout 300 python3 "$(dirname "$0")/durability.py" "$POP_BUILD/control/popd" "$work/dur" 200 "$seed" 2>&1)
tap_end
