#!/usr/bin/env bash
# Health checks in the lab: popd probes nginx (HTTP, HTTPS with SNI, string
# match) and a plain TCP listener in the origin namespace from three source
# addresses; stopping and starting them flips DNS answers after failure
# threshold x interval; calculated checks, the all-unhealthy rule, no flapping
# for a target that alternates faster than the threshold, and health state
# that survives a popd restart. Prints the measured failover time.
set -u
. "$(dirname "$0")/lib.sh"
LAB=$(unique_name h)
LABS=$LAB
work=$(mktemp -d)
chmod 755 "$work"
nginx_stop() { [ -f "$work/nginx.pid" ] && kill -TERM "$(cat "$work/nginx.pid")" 2>/dev/null; sleep 0.2; rm -f "$work/nginx.pid"; }
tcp_pid=""
tcp_stop() { [ -n "$tcp_pid" ] && kill "$tcp_pid" 2>/dev/null && wait "$tcp_pid" 2>/dev/null; tcp_pid=""; }
trap 'nginx_stop; tcp_stop; for l in $LABS; do "$POP_LAB" down "$l" >/dev/null 2>&1; done; rm -rf "$work"' EXIT

for tool in nginx socat openssl; do
	if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
		skip "health lab" "$tool is not installed (tests/deps.sh)"
		tap_end
		exit 0
	fi
done
if ! "$POP_LAB" up --name "$LAB" --empty >"$work/up.log" 2>&1; then
	not_ok "pop-lab up"
	sed 's/^/# /' "$work/up.log"
	tap_end
	exit 1
fi
sock=$(lab_value "$LAB" socket)
vip=$(lab_value "$LAB" vip4)
pns=$(lab_value "$LAB" pop_ns)
ons=$(lab_value "$LAB" origin_ns)
pc() { "$POPCTL" --socket "$sock" --output json "$@"; }
watch() { "$POP_LAB" exec "$LAB" client -- /usr/bin/python3 "$(dirname "$0")/healthwatch.py" "$vip" "$@"; }
# In a check, the watcher's output is a comment.
until_() { local out; out=$(watch "$@"); local rc=$?; echo "# $out"; return $rc; }

# Three checkers, each from its own address on the pop's origin-side link.
for a in 11 12 13; do ip -n "$pns" addr add "198.18.1.$a/24" dev org0; done
pc health put-checkers --checkers '[{"Region":"us-east-1","SourceAddress":"198.18.1.11"},
 {"Region":"us-west-2","SourceAddress":"198.18.1.12"},{"Region":"eu-west-1","SourceAddress":"198.18.1.13"}]' \
	--healthy-share-percent 18 >/dev/null
check "three checkers configured" grep -q "198.18.1.13" <<<"$(pc health get-checkers)"

# The origins: nginx (HTTP and HTTPS with a throwaway certificate) and a TCP listener.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=origin.example.test \
	-keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work;
  uwsgi_temp_path $work; scgi_temp_path $work;
  server {
    listen 198.18.1.2:80;
    listen 198.18.1.2:443 ssl;
    server_name origin.example.test;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    location = /health { return 200 "status: pop-health-ok\n"; }
    location / { return 404; }
  }
}
CONF
nginx_start() {
	ip netns exec "$ons" nginx -c "$work/nginx.conf" 2>>"$work/nginx-start.log"
	for _ in $(seq 50); do [ -s "$work/nginx.pid" ] && return 0; sleep 0.1; done
	return 1
}
tcp_start() {
	ip netns exec "$ons" socat TCP-LISTEN:7000,bind=198.18.1.2,fork,reuseaddr OPEN:/dev/null >/dev/null 2>&1 &
	tcp_pid=$!
	sleep 0.3
}
check "nginx starts in the origin namespace" nginx_start
tcp_start

hc() { # caller-reference, config JSON -> id
	pc route53 create-health-check --caller-reference "$1-$LAB" --health-check-config "$2" | jget HealthCheck.Id
}
http=$(hc http '{"Type":"HTTP","IPAddress":"198.18.1.2","Port":80,"ResourcePath":"/health","RequestInterval":1,"FailureThreshold":2}')
https=$(hc https '{"Type":"HTTPS","IPAddress":"198.18.1.2","FullyQualifiedDomainName":"origin.example.test","ResourcePath":"/health","RequestInterval":1,"FailureThreshold":2,"EnableSNI":true}')
tcp=$(hc tcp '{"Type":"TCP","IPAddress":"198.18.1.2","Port":7000,"RequestInterval":1,"FailureThreshold":3}')
strok=$(hc strok '{"Type":"HTTP_STR_MATCH","IPAddress":"198.18.1.2","ResourcePath":"/health","SearchString":"pop-health-ok","RequestInterval":1,"FailureThreshold":1}')
strbad=$(hc strbad '{"Type":"HTTP_STR_MATCH","IPAddress":"198.18.1.2","ResourcePath":"/health","SearchString":"no-such-text","RequestInterval":1,"FailureThreshold":1}')
dead1=$(hc dead1 '{"Type":"TCP","IPAddress":"198.18.1.2","Port":7999,"RequestInterval":1,"FailureThreshold":1}')
dead2=$(hc dead2 '{"Type":"HTTP","IPAddress":"198.18.1.2","Port":80,"ResourcePath":"/nothing","RequestInterval":1,"FailureThreshold":1}')
calc=$(hc calc "{\"Type\":\"CALCULATED\",\"ChildHealthChecks\":[\"$http\",\"$tcp\"],\"HealthThreshold\":2}")
check "health checks created" test -n "$http" -a -n "$https" -a -n "$tcp" -a -n "$calc" -a -n "$strbad" -a -n "$dead2"
again=$(pc route53 create-health-check --caller-reference "http-$LAB" --health-check-config '{"Type":"HTTP","IPAddress":"198.18.1.2","Port":80,"ResourcePath":"/health","RequestInterval":1,"FailureThreshold":2}' | jget HealthCheck.Id)
check "the same CallerReference and config again is the same check" test "$again" = "$http"
out=$(pc route53 create-health-check --caller-reference "http-$LAB" --health-check-config '{"Type":"TCP","IPAddress":"198.18.1.2","Port":81}' 2>&1)
check "the same CallerReference with another config: HealthCheckAlreadyExists" grep -q HealthCheckAlreadyExists <<<"$out"
out=$(pc route53 create-health-check --caller-reference "x-$LAB" --health-check-config '{"Type":"HTTP_STR_MATCH","IPAddress":"198.18.1.2"}' 2>&1)
check "a string-match check without SearchString: InvalidInput" grep -q InvalidInput <<<"$out"

zone=$(pc route53 create-hosted-zone --name example.com --caller-reference "h-$LAB" | jget HostedZone.Id)
pair() { # name check-id -> two failover record sets: primary .2 with the check, secondary .3
	printf '{"Action":"CREATE","ResourceRecordSet":{"Name":"%s.example.com","Type":"A","TTL":1,"SetIdentifier":"p","Failover":"PRIMARY","HealthCheckId":"%s","ResourceRecords":[{"Value":"198.18.1.2"}]}},' "$1" "$2"
	printf '{"Action":"CREATE","ResourceRecordSet":{"Name":"%s.example.com","Type":"A","TTL":1,"SetIdentifier":"s","Failover":"SECONDARY","ResourceRecords":[{"Value":"198.18.1.3"}]}}' "$1"
}
{
	echo '{"Changes":['
	for p in "api $http" "tls $https" "tcp $tcp" "calc $calc" "strok $strok" "strbad $strbad"; do
		# shellcheck disable=SC2086
		pair $p
		echo ,
	done
	printf '{"Action":"CREATE","ResourceRecordSet":{"Name":"multi.example.com","Type":"A","TTL":1,"SetIdentifier":"a","MultiValueAnswer":true,"HealthCheckId":"%s","ResourceRecords":[{"Value":"198.18.1.21"}]}},' "$dead1"
	printf '{"Action":"CREATE","ResourceRecordSet":{"Name":"multi.example.com","Type":"A","TTL":1,"SetIdentifier":"b","MultiValueAnswer":true,"HealthCheckId":"%s","ResourceRecords":[{"Value":"198.18.1.22"}]}}' "$dead2"
	echo ']}'
} >"$work/batch.json"
change=$(pc route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$work/batch.json" | jget ChangeInfo.Id)
for _ in $(seq 100); do [ "$(pc route53 get-change --id "$change" | jget ChangeInfo.Status)" = INSYNC ] && break; sleep 0.1; done
check "record sets in sync" test "$(pc route53 get-change --id "$change" | jget ChangeInfo.Status)" = INSYNC

observations() { pc route53 get-health-check-status --health-check-id "$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["HealthCheckObservations"]))'; }
for _ in $(seq 50); do [ "$(observations "$calc" 2>/dev/null)" = 0 ] && [ "$(observations "$tcp")" = 3 ] && break; sleep 0.1; done
check "each of the three checkers reports on the TCP check" test "$(observations "$tcp")" = 3
pc route53 get-health-check-status --health-check-id "$https" >"$work/https.json"
check "HTTPS with SNI reports success" grep -q "Success: HTTP Status Code 200" "$work/https.json"
check "the healthy HTTP primary answers" until_ api.example.com A until 198.18.1.2 5
check "HTTPS primary answers" until_ tls.example.com A until 198.18.1.2 5
check "TCP primary answers" until_ tcp.example.com A until 198.18.1.2 5
check "string found: the primary answers" until_ strok.example.com A until 198.18.1.2 5
check "string not found: the secondary answers" until_ strbad.example.com A until 198.18.1.3 5
check "calculated (2 of 2 healthy): the primary answers" until_ calc.example.com A until 198.18.1.2 5
multi=$(watch multi.example.com A never 198.18.1.21 1; watch multi.example.com A never 198.18.1.22 1)
check "multivalue, both targets unhealthy: both are answered anyway (all-unhealthy rule)" test "$(grep -c '# 0 of' <<<"$multi")" = 0

checkers='[{"Region":"us-east-1","SourceAddress":"198.18.1.11"},{"Region":"us-west-2","SourceAddress":"198.18.1.12"},{"Region":"eu-west-1","SourceAddress":"198.18.1.13"}]'
# Certificate verification, off by default as in Route 53: on, the throwaway certificate fails.
pc health put-checkers --checkers "$checkers" --verify-certificates >/dev/null
check "certificates verified: the self-signed origin fails, the secondary answers" until_ tls.example.com A until 198.18.1.3 5
check "the failure names the certificate" grep -qi "certificate" <<<"$(pc route53 get-health-check-status --health-check-id "$https")"
pc health put-checkers --checkers "$checkers" --verify-certificates false >/dev/null
check "verification off again: the primary answers" until_ tls.example.com A until 198.18.1.2 5
check "the checkers count their probes" test "$(pc health get-checkers | jget Probes.Started)" -gt 0
# Inverted and Disabled, changed with update-health-check.
pc route53 update-health-check --health-check-id "$strok" --inverted >/dev/null
check "inverted: a passing check is unhealthy, the secondary answers" until_ strok.example.com A until 198.18.1.3 5
pc route53 update-health-check --health-check-id "$strok" --no-inverted >/dev/null
check "not inverted again: the primary answers" until_ strok.example.com A until 198.18.1.2 5
pc route53 update-health-check --health-check-id "$strbad" --disabled >/dev/null
check "disabled: a failing check counts as healthy, the primary answers" until_ strbad.example.com A until 198.18.1.2 5
check "update-health-check counts versions" test "$(pc route53 get-health-check --health-check-id "$strok" | jget HealthCheck.HealthCheckVersion)" = 3

# Failover: nginx stops; FailureThreshold 2 x RequestInterval 1 s.
t0=$(date +%s.%N)
nginx_stop
ms=$(watch api.example.com A until 198.18.1.3 10 "$t0")
check "HTTP origin down: the secondary answers (after $ms ms; threshold x interval = 2000 ms)" test "$ms" != timeout
[ "$ms" != timeout ] && echo "# failover: origin down -> first DNS answer without it: $ms ms (FailureThreshold 2 x RequestInterval 1 s = 2000 ms)"
check "failover within threshold x interval + 1 s" test "${ms%%[!0-9]*}" -le 3000 2>/dev/null
check "and not before (threshold - 1) x interval" test "${ms%%[!0-9]*}" -ge 900 2>/dev/null
check "HTTPS origin down: the secondary answers" until_ tls.example.com A until 198.18.1.3 5
check "calculated: one child down of HealthThreshold 2: the secondary answers" until_ calc.example.com A until 198.18.1.3 5
pc route53 get-health-check-status --health-check-id "$http" >"$work/http.json"
check "the observations say why" grep -q "Failure" "$work/http.json"

# Health state survives a popd restart: the origin is still down, the answer must not flip back.
"$POP_LAB" restart-control "$LAB" >/dev/null
check "after a popd restart, no query sees the down primary" watch api.example.com A never 198.18.1.2 2
check "health checks survive a popd restart" test "$(pc route53 get-health-check --health-check-id "$http" | jget HealthCheck.HealthCheckConfig.ResourcePath)" = /health

t0=$(date +%s.%N)
nginx_start
ms=$(watch api.example.com A until 198.18.1.2 10 "$t0")
check "HTTP origin back: the primary answers again (after $ms ms)" test "$ms" != timeout
[ "$ms" != timeout ] && echo "# failback: origin up -> first DNS answer with it: $ms ms"
check "calculated: both children healthy again: the primary answers" until_ calc.example.com A until 198.18.1.2 5


# Three more failovers on a check of FailureThreshold 3 x RequestInterval 1 s.
rep=$(hc rep '{"Type":"HTTP","IPAddress":"198.18.1.2","Port":80,"ResourcePath":"/health","RequestInterval":1,"FailureThreshold":3}')
{ echo '{"Changes":['; pair rep "$rep"; echo ']}'; } >"$work/rep.json"
change=$(pc route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$work/rep.json" | jget ChangeInfo.Id)
for _ in $(seq 100); do [ "$(pc route53 get-change --id "$change" | jget ChangeInfo.Status)" = INSYNC ] && break; sleep 0.1; done
trials=""
for trial in 1 2 3; do
	watch rep.example.com A until 198.18.1.2 8 >/dev/null
	sleep 0.$((RANDOM % 10))
	t0=$(date +%s.%N)
	nginx_stop
	ms=$(watch rep.example.com A until 198.18.1.3 10 "$t0")
	trials="$trials $ms"
	nginx_start
done
echo "# failover, FailureThreshold 3 x RequestInterval 1 s = 3000 ms; origin down -> first DNS answer without it:$trials ms"
inrange() { for t in $trials; do [ "$t" -ge 1900 ] 2>/dev/null && [ "$t" -le 4000 ] || return 1; done; }
check "three failovers each between (threshold - 1) x interval and threshold x interval + 1 s ($trials ms)" inrange

# Operator override on top of the checkers, then released.
pc route53 set-health-check-status --health-check-id "$http" --status Unhealthy >/dev/null
check "forced Unhealthy over a healthy checker result" until_ api.example.com A until 198.18.1.3 3
pc route53 set-health-check-status --health-check-id "$http" --status Auto >/dev/null
check "released: the checkers' Healthy again" until_ api.example.com A until 198.18.1.2 3

# A TCP target that alternates every 1 s (FailureThreshold 3, interval 1 s) does not flap.
(
	end=$((SECONDS + 9))
	while ((SECONDS < end)); do
		tcp_stop
		sleep 1
		tcp_start
		sleep 0.7
	done
	tcp_stop
) &
flapper=$!
check "a target alternating faster than the threshold never fails over" watch tcp.example.com A never 198.18.1.3 8
wait "$flapper"
tcp_stop
check "a TCP target that stays down fails over" until_ tcp.example.com A until 198.18.1.3 8

check "a check a record set names cannot be deleted (HealthCheckInUse)" bash -c "! $POPCTL --socket $sock route53 delete-health-check --health-check-id $http 2>&1 | grep -q HealthCheckInUse; test \${PIPESTATUS[0]} != 0"
out=$(pc route53 delete-health-check --health-check-id "$http" 2>&1)
check "HealthCheckInUse names the user" grep -q HealthCheckInUse <<<"$out"
id=$(hc spare '{"Type":"TCP","IPAddress":"198.18.1.2","Port":7000,"RequestInterval":1}')
pc route53 delete-health-check --health-check-id "$id" >/dev/null
out=$(pc route53 get-health-check --health-check-id "$id" 2>&1)
check "a deleted check is gone (NoSuchHealthCheck)" grep -q NoSuchHealthCheck <<<"$out"

# Zonal shift: targets get their availability zone from the appliance's prefixes.
pc arc put-availability-zones --availability-zones '[{"Name":"use1-az1","Prefixes":["198.18.1.2/32"]},{"Name":"use1-az2","Prefixes":["198.18.1.3/32"]}]' >/dev/null
printf '{"Changes":[%s,%s]}' \
	'{"Action":"CREATE","ResourceRecordSet":{"Name":"zs.example.com","Type":"A","TTL":1,"SetIdentifier":"a","MultiValueAnswer":true,"ResourceRecords":[{"Value":"198.18.1.2"}]}}' \
	'{"Action":"CREATE","ResourceRecordSet":{"Name":"zs.example.com","Type":"A","TTL":1,"SetIdentifier":"b","MultiValueAnswer":true,"ResourceRecords":[{"Value":"198.18.1.3"}]}}' >"$work/zs.json"
change=$(pc route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$work/zs.json" | jget ChangeInfo.Id)
for _ in $(seq 100); do [ "$(pc route53 get-change --id "$change" | jget ChangeInfo.Status)" = INSYNC ] && break; sleep 0.1; done
check "both availability zones answer before a shift" until_ zs.example.com A until 198.18.1.2 3
shift=$(pc arc start-zonal-shift --resource-identifier "arn:aws:route53:::hostedzone/$zone" --away-from use1-az1 --expires-in 4s --comment "lab shift" | jget zonalShiftId)
t0=$(date +%s.%N)
check "start-zonal-shift returns an id" test -n "$shift"
check "shifted away from use1-az1: its target is never answered" watch zs.example.com A never 198.18.1.2 2
out=$(pc arc start-zonal-shift --resource-identifier "arn:aws:route53:::hostedzone/$zone" --away-from use1-az2 --expires-in 1m --comment second 2>&1)
check "a second active shift of the same resource: ConflictException" grep -q ConflictException <<<"$out"
check "list-zonal-shifts shows it ACTIVE" grep -q "$shift" <<<"$(pc arc list-zonal-shifts --status ACTIVE)"
ms=$(watch zs.example.com A until 198.18.1.2 10 "$t0")
check "the shift expires on time: use1-az1 is answered again ($ms ms after a 4 s shift)" test "${ms%%[!0-9]*}" -ge 3500 -a "${ms%%[!0-9]*}" -le 5500 2>/dev/null
echo "# zonal shift of 4 s: use1-az1 back in answers after $ms ms"
check "get-zonal-shift: EXPIRED" test "$(pc arc get-zonal-shift --zonal-shift-id "$shift" | jget status)" = EXPIRED
shift=$(pc arc start-zonal-shift --resource-identifier "/hostedzone/$zone" --away-from use1-az2 --expires-in 1h --comment long | jget zonalShiftId)
check "a shift away from use1-az2" watch zs.example.com A never 198.18.1.3 1
"$POP_LAB" restart-control "$LAB" >/dev/null
check "a zonal shift survives a popd restart" watch zs.example.com A never 198.18.1.3 1
pc arc cancel-zonal-shift --zonal-shift-id "$shift" >/dev/null
check "cancel-zonal-shift: use1-az2 answers again" until_ zs.example.com A until 198.18.1.3 3

# Routing controls with a safety rule, and a RECOVERY_CONTROL health check on one of them.
cluster=arn:aws:route53-recovery-control::pop:cluster/local
panel=$(pc arc create-control-panel --cluster-arn "$cluster" --control-panel-name lab | jget ControlPanel.ControlPanelArn)
rc1=$(pc arc create-routing-control --cluster-arn "$cluster" --control-panel-arn "$panel" --routing-control-name cell1 | jget RoutingControl.RoutingControlArn)
rc2=$(pc arc create-routing-control --cluster-arn "$cluster" --control-panel-arn "$panel" --routing-control-name cell2 | jget RoutingControl.RoutingControlArn)
pc arc update-routing-control-state --routing-control-arn "$rc1" --routing-control-state On >/dev/null
pc arc update-routing-control-state --routing-control-arn "$rc2" --routing-control-state On >/dev/null
rule=$(pc arc create-safety-rule --assertion-rule "{\"ControlPanelArn\":\"$panel\",\"Name\":\"one-on\",\"AssertedControls\":[\"$rc1\",\"$rc2\"],\"RuleConfig\":{\"Type\":\"ATLEAST\",\"Threshold\":1,\"Inverted\":false},\"WaitPeriodMs\":0}" | jget AssertionRule.SafetyRuleArn)
check "an assertion rule (at least 1 of 2 on)" test -n "$rule"
rchc=$(hc rchc "{\"Type\":\"RECOVERY_CONTROL\",\"RoutingControlArn\":\"$rc1\"}")
{ echo '{"Changes":['; pair rc "$rchc"; echo ']}'; } >"$work/rc.json"
change=$(pc route53 change-resource-record-sets --hosted-zone-id "$zone" --change-batch "file://$work/rc.json" | jget ChangeInfo.Id)
for _ in $(seq 100); do [ "$(pc route53 get-change --id "$change" | jget ChangeInfo.Status)" = INSYNC ] && break; sleep 0.1; done
check "routing control cell1 On: the primary answers" until_ rc.example.com A until 198.18.1.2 3
pc arc update-routing-control-state --routing-control-arn "$rc1" --routing-control-state Off >/dev/null
check "cell1 Off (cell2 still On): the secondary answers at once" until_ rc.example.com A until 198.18.1.3 2
out=$(pc arc update-routing-control-state --routing-control-arn "$rc2" --routing-control-state Off 2>&1)
check "turning the last control off breaks the rule: refused (ConflictException)" grep -q "ConflictException.*one-on" <<<"$out"
check "the refused change changed nothing" test "$(pc arc get-routing-control-state --routing-control-arn "$rc2" | jget RoutingControlState)" = On
pc arc update-routing-control-state --routing-control-arn "$rc1" --routing-control-state On >/dev/null
check "cell1 On again: the primary answers" until_ rc.example.com A until 198.18.1.2 2

# The control-config verbs, the batch as one change, WaitPeriodMs, and paging, through popctl.
check "describe-control-panel counts the routing controls" test "$(pc arc describe-control-panel --control-panel-arn "$panel" | jget ControlPanel.RoutingControlCount)" = 2
tok=$(pc arc list-routing-controls --control-panel-arn "$panel" --max-results 1 | jget NextToken)
check "list-routing-controls pages: the next page holds cell2, with its state" test "$(pc arc list-routing-controls --control-panel-arn "$panel" --max-results 1 --next-token "$tok" | jget RoutingControls.0.RoutingControlState)" = On
check "list-zonal-shifts pages (--max-results 1 gives a nextToken)" test -n "$(pc arc list-zonal-shifts --max-results 1 | jget nextToken)"
out=$(pc arc update-routing-control-states --update-routing-control-state-entries "[{\"RoutingControlArn\":\"$rc1\",\"RoutingControlState\":\"Off\"},{\"RoutingControlArn\":\"$rc2\",\"RoutingControlState\":\"Off\"}]" 2>&1)
check "a batch leaving no control On is refused as a whole (ConflictException)" grep -q "ConflictException.*would break.*one-on" <<<"$out"
check "the refused batch changed nothing" test "$(pc arc get-routing-control-state --routing-control-arn "$rc1" | jget RoutingControlState)" = On
pc arc update-routing-control-states --update-routing-control-state-entries "[{\"RoutingControlArn\":\"$rc1\",\"RoutingControlState\":\"Off\"}]" >/dev/null
# A longer WaitPeriodMs applies to the period the batch began.
pc arc update-safety-rule --assertion-rule-update "{\"SafetyRuleArn\":\"$rule\",\"Name\":\"one-on\",\"WaitPeriodMs\":5000}" >/dev/null
check "list-safety-rules shows the new WaitPeriodMs" test "$(pc arc list-safety-rules --control-panel-arn "$panel" | jget SafetyRules.0.ASSERTION.WaitPeriodMs)" = 5000
out=$(pc arc update-routing-control-state --routing-control-arn "$rc1" --routing-control-state On 2>&1)
check "within WaitPeriodMs the rule's controls are refused (ConflictException, ms left)" grep -q "ConflictException.*wait.*ms left" <<<"$out"
check "the batch turned cell1 Off: the secondary answers" until_ rc.example.com A until 198.18.1.3 2
pc arc update-routing-control-state --routing-control-arn "$rc1" --routing-control-state On --safety-rules-to-override "$rule" >/dev/null
check "SafetyRulesToOverride lets it through: the primary answers" until_ rc.example.com A until 198.18.1.2 2

# Readiness checks over the appliance's own resources.
pc arc create-resource-set --resource-set-name workers --resource-set-type POP::Dataplane::Workers >/dev/null
pc arc create-resource-set --resource-set-name tables --resource-set-type POP::Tables::Generation >/dev/null
pc arc create-resource-set --resource-set-name checks --resource-set-type AWS::Route53::HealthCheck \
	--resources "[{\"resourceArn\":\"arn:aws:route53:::healthcheck/$http\"},{\"resourceArn\":\"arn:aws:route53:::healthcheck/$dead1\"}]" >/dev/null
for n in workers tables checks; do pc arc create-readiness-check --readiness-check-name "rc-$n" --resource-set-name "$n" >/dev/null; done
check "readiness: the data plane's workers are up" test "$(pc arc get-readiness-check-status --readiness-check-name rc-workers | jget readiness)" = READY
check "readiness: every table generation is in use (INSYNC)" test "$(pc arc get-readiness-check-status --readiness-check-name rc-tables | jget readiness)" = READY
pc arc get-readiness-check-status --readiness-check-name rc-checks >"$work/ready.json"
check "readiness: a set with an unhealthy health check is NOT_READY, and says which" \
	bash -c "grep -q '\"readiness\": \"NOT_READY\"' '$work/ready.json' && grep -q '$dead1 is unhealthy' '$work/ready.json'"
n=$(pc route53 list-health-checks | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["HealthChecks"]))')
check "list-health-checks lists the 10 checks" test "$n" = 10
tap_end
