/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file arc.h
 * Application Recovery Controller in popd: routing controls in control
 * panels with safety rules, zonal shifts with expiry, and the availability
 * zones of record targets. State is in the store; what the data plane reads
 * (routing-control words, zonal-shift words) is written into the live-state
 * segment after each commit and on start, with no table rebuild.
 *
 * # Commands (botocore shapes; arc-zonal-shift members are camelCase)
 * Zonal shifts (arc-zonal-shift), with availability zones of the appliance:
 * | command | args | result |
 * |---|---|---|
 * | `arc put-availability-zones` * | AvailabilityZones [{Name, Prefixes}] | {} |
 * | `arc list-availability-zones` | | AvailabilityZones |
 * | `arc start-zonal-shift` * | resourceIdentifier, awayFrom, expiresIn, comment | ZonalShift |
 * | `arc update-zonal-shift` * | zonalShiftId, expiresIn?, comment? | ZonalShift |
 * | `arc cancel-zonal-shift` * | zonalShiftId | ZonalShift |
 * | `arc get-zonal-shift` | zonalShiftId | ZonalShift |
 * | `arc list-zonal-shifts` | status?, maxResults?, nextToken? | items, nextToken |
 * | `arc list-managed-resources` | maxResults?, nextToken? | items, nextToken |
 * | `arc get-managed-resource` | resourceIdentifier | arn, name, appliedWeights, zonalShifts |
 *
 * Routing controls (route53-recovery-control-config, route53-recovery-cluster):
 * | command | args | result |
 * |---|---|---|
 * | `arc create-control-panel` * | ClusterArn, ControlPanelName | ControlPanel |
 * | `arc list-control-panels` | ClusterArn?, MaxResults?, NextToken? | ControlPanels, NextToken |
 * | `arc describe-control-panel` | ControlPanelArn | ControlPanel |
 * | `arc update-control-panel` * | ControlPanelArn, ControlPanelName | ControlPanel |
 * | `arc create-routing-control` * | ClusterArn, ControlPanelArn, RoutingControlName |
 *   RoutingControl |
 * | `arc describe-routing-control` | RoutingControlArn | RoutingControl |
 * | `arc update-routing-control` * | RoutingControlArn, RoutingControlName | RoutingControl |
 * | `arc list-routing-controls` | ControlPanelArn?, MaxResults?, NextToken? |
 *   RoutingControls (both services' members, with RoutingControlState), NextToken |
 * | `arc update-routing-control-state` * | RoutingControlArn, RoutingControlState,
 *   SafetyRulesToOverride? | {} |
 * | `arc update-routing-control-states` * | UpdateRoutingControlStateEntries
 *   [{RoutingControlArn, RoutingControlState}], SafetyRulesToOverride? | {} |
 * | `arc get-routing-control-state` | RoutingControlArn | RoutingControlArn,
 *   RoutingControlState, RoutingControlName |
 * | `arc create-safety-rule` * | AssertionRule or GatingRule | AssertionRule or GatingRule |
 * | `arc list-safety-rules` | ControlPanelArn, MaxResults?, NextToken? |
 *   SafetyRules [{ASSERTION} or {GATING}], NextToken |
 * | `arc describe-safety-rule` | SafetyRuleArn | AssertionRule or GatingRule |
 * | `arc update-safety-rule` * | AssertionRuleUpdate or GatingRuleUpdate {SafetyRuleArn,
 *   Name, WaitPeriodMs} | AssertionRule or GatingRule |
 * | `arc delete-routing-control`, `arc delete-safety-rule`, `arc delete-control-panel` * |
 *   the ARN | {} |
 *
 * Readiness (route53-recovery-readiness):
 * | command | args | result |
 * |---|---|---|
 * | `arc create-resource-set` * | resourceSetName, resourceSetType, resources | resourceSetArn... |
 * | `arc create-readiness-check` * | readinessCheckName, resourceSetName | readinessCheckArn... |
 * | `arc get-readiness-check-status` | readinessCheckName | readiness, resources, messages |
 * | `arc list-readiness-checks` | | readinessChecks |
 * | `arc delete-readiness-check`, `arc delete-resource-set` * | the name | {} |
 * (* CTL_CMD_MUTATES; ? optional.)
 *
 * # pop's choices
 * - Readiness checks look at the appliance's own resources, by
 *   resourceSetType: `POP::Dataplane::Workers` (a data plane is attached with
 *   at least one worker), `POP::Tables::Generation` (every published table
 *   generation is in use by the data plane: INSYNC), `AWS::Route53::HealthCheck`
 *   (resources `arn:aws:route53:::healthcheck/ID`, each healthy). They are
 *   evaluated when asked.
 * - A managed resource is a hosted zone: resourceIdentifier is its ARN
 *   `arn:aws:route53:::hostedzone/Z...` (or `/hostedzone/Z...`, or the bare
 *   id). A zonal shift takes the record sets of that zone whose target lies
 *   in the zone `awayFrom` out of DNS answers (Route 53's all-out rule
 *   still applies: when every candidate is out, all are answered).
 * - A record set's availability zone comes from the appliance's mapping of
 *   availability zones to target prefixes (`arc put-availability-zones`,
 *   like subnets): the zone whose prefix holds the first address of an A or
 *   AAAA record set, longest prefix first. Record sets with no match are in
 *   no zone and never shifted.
 * - expiresIn takes Route 53 ARC's `Nm` / `Nh` (1 minute to 3 days) and, on
 *   the appliance, `Ns` seconds (at least 1).
 * - Routing controls start Off. A change that would break an assertion rule
 *   (ATLEAST / AND / OR over the asserted controls, Inverted) or change a
 *   target control while its gating rule is not met is refused with
 *   `ConflictException` naming the rule, unless that rule is in
 *   SafetyRulesToOverride (a list of ARNs, or one ARN as popctl sends a
 *   single value). A Route 53 health check of type RECOVERY_CONTROL is
 *   healthy while its control is On; a control such a check names cannot
 *   be deleted.
 * - update-routing-control-states is one change: every rule governing a
 *   control the batch changes is evaluated on the states after the whole
 *   batch (gating rules too: a batch may open the gate and move its
 *   targets), and nothing is written unless all hold. Entries naming the
 *   same control twice are refused; at most ARC_MAX_BATCH entries
 *   (ServiceLimitExceededException). Setting a control to the state it has
 *   is no change: not checked, and it starts no wait.
 * - WaitPeriodMs (0 to ARC_MAX_WAIT_MS): after a change of a control a rule
 *   governs (an assertion rule's asserted controls, a gating rule's
 *   targets), any further change of those controls is refused with
 *   ConflictException naming the rule and the ms left, until WaitPeriodMs
 *   has passed, unless the rule is in SafetyRulesToOverride. An overridden
 *   change starts the period again. The time of the change is stored with
 *   the rule (wall clock), so a popd restart does not end the wait; a
 *   clock stepped back never makes it longer than one period. Updating
 *   WaitPeriodMs applies at once to the period under way.
 * - Lists page with tokens that hold the key of the last item given (name
 *   and ARN; a zonal shift's start time and id; a hosted zone's id), so a
 *   page never repeats or skips an item that stays. A token of another
 *   list, or not made by pop, is refused (ValidationException; its message
 *   says InvalidToken, arc-zonal-shift's reason). Page sizes: 1 to
 *   ARC_PAGE_MAX (the default) for the control-config lists; 1 to
 *   ARC_SHIFT_PAGE_MAX (the default) for zonal shifts and managed
 *   resources. list-routing-controls, which also serves
 *   route53-recovery-cluster (no maximum, ControlPanelArn optional: every
 *   panel), clamps a larger MaxResults to ARC_PAGE_MAX.
 * - Names (control panels, routing controls, rules) are 1 to 64 characters
 *   with no white space, as botocore's pattern; DefaultControlPanel is
 *   false and Status DEPLOYED for everything (changes take effect at once).
 */
#ifndef POP_ARC_H
#define POP_ARC_H

#include "env.h"
#include "sock.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Most availability zones, prefixes per zone, controls per panel, shifts kept. */
#define ARC_MAX_ZONES	 64
#define ARC_MAX_PREFIXES 64
#define ARC_MAX_CONTROLS 256
#define ARC_MAX_SHIFTS	 10000
/** Longest WaitPeriodMs of a safety rule (pop's bound): one day. */
#define ARC_MAX_WAIT_MS (24 * 3600 * 1000)
/** Most routing controls in one update-routing-control-states. */
#define ARC_MAX_BATCH ARC_MAX_CONTROLS
/** Largest page of the control panels, routing controls and safety rules (botocore's max). */
#define ARC_PAGE_MAX 1000
/** Largest page of the zonal shifts and managed resources (arc-zonal-shift's max). */
#define ARC_SHIFT_PAGE_MAX 100
/** Longest page token (botocore: 8096), and longest key a token holds. */
#define ARC_TOKEN_MAX	  8096
#define ARC_TOKEN_KEY_MAX 1024
/** Longest zonal shift: 3 days, as ARC. */
#define ARC_MAX_EXPIRES_S (3 * 24 * 3600)

extern const struct ctl_command arc_commands[];
extern const size_t arc_command_count;

/** Tables, the commit hook, and RECOVERY_CONTROL health checks' resolver. */
int arc_init(struct popd_env *env);

/** Write the live state from the store and arm the expiry timer (after bootstrap). */
int arc_start(struct popd_env *env);

void arc_stop(struct popd_env *env);

/**
 * Replace the wall clock ARC reads (ms since the epoch) by @p now_ms, or
 * restore it with NULL. For tests.
 */
void arc_set_clock(int64_t (*now_ms)(void));

/** What the expiry timer does: end the shifts whose time is up and write the live words. */
void arc_tick(struct popd_env *env);

/* ------------------------------------------------------------- pure logic */

enum arc_rule_type { ARC_RULE_ATLEAST, ARC_RULE_AND, ARC_RULE_OR };

/**
 * A RuleConfig over the states of @p n controls: ATLEAST @p threshold on,
 * all on (AND), any on (OR); @p inverted negates the result.
 */
bool arc_rule_holds(enum arc_rule_type type, unsigned threshold, bool inverted, const bool *on,
		    size_t n);

/**
 * Parse expiresIn ("30m", "2h", and the appliance's "45s") into seconds.
 * @return 0, or -EINVAL (bad form, zero, or above ARC_MAX_EXPIRES_S).
 */
int arc_expires_in_parse(const char *text, int64_t *seconds);

/**
 * A page token: "@p tag.HEX(key1).HEX(key2)" (key2 may be NULL: empty).
 * @return its length, or -ENOSPC when it does not fit @p len.
 */
int arc_token_make(const char *tag, const char *key1, const char *key2, char *out, size_t len);

/**
 * Read a token made by arc_token_make() for @p tag into @p key1 and @p key2
 * (each @p key_len bytes with the NUL).
 * @return 0, or -EINVAL when it is not such a token (another tag, not hex,
 *         a NUL byte, an empty key1, too long).
 */
int arc_token_parse(const char *token, const char *tag, char *key1, char *key2, size_t key_len);

/**
 * What is left of a safety rule's wait period: the rule's controls last
 * changed at @p changed_ms (0: never), the period is @p wait_ms. Never more
 * than @p wait_ms (a clock stepped back does not lengthen it).
 * @return ms left, 0 when over.
 */
int64_t arc_wait_left_ms(int64_t changed_ms, int64_t wait_ms, int64_t now_ms);

#endif /* POP_ARC_H */
