/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file route53.h
 * Route 53 hosted zones and record sets in popd: the control-socket commands
 * (the AWS CLI's verbs, args named as botocore's input members, results in
 * its output shapes), their SQLite tables, and the compiler of the zones
 * table. popd's thread only.
 *
 * # Commands
 * | command | args | result |
 * |---|---|---|
 * | `route53 create-hosted-zone` * | Name, CallerReference, HostedZoneConfig {Comment,
 * PrivateZone}, SourcePrefixes | Location, HostedZone, ChangeInfo, DelegationSet | | `route53
 * get-hosted-zone` | Id | HostedZone, DelegationSet | | `route53 list-hosted-zones` | Marker,
 * MaxItems | HostedZones, Marker, IsTruncated, NextMarker, MaxItems | | `route53
 * delete-hosted-zone` * | Id | ChangeInfo | | `route53 change-resource-record-sets` * |
 * HostedZoneId, ChangeBatch {Comment, Changes} | ChangeInfo | | `route53 list-resource-record-sets`
 * | HostedZoneId, StartRecordName, StartRecordType, StartRecordIdentifier, MaxItems |
 * ResourceRecordSets, IsTruncated, NextRecordName, NextRecordType, NextRecordIdentifier, MaxItems |
 * | `route53 get-change` | Id | ChangeInfo |
 * | `route53 import-zone` * | HostedZoneId, ZoneFile, Comment | ChangeInfo, ResourceRecordSetCount
 * | | `route53 export-zone` | HostedZoneId | ZoneFile | | `route53 set-health-check-status` |
 * HealthCheckId, Status | HealthCheckId, Status |
 * | `route53 put-zone-transfer-policy` * | HostedZoneId, AllowTransfer, Notify | ChangeInfo,
 * HostedZoneId, AllowTransfer, Notify |
 * | `route53 get-zone-transfer-policy` | HostedZoneId | HostedZoneId, AllowTransfer,
 * Notify, NotifyStatus |
 *
 * (* CTL_CMD_MUTATES.) Ids are accepted bare ("Z0123...", "C0123...") or
 * with their path ("/hostedzone/Z0123...", "/change/C0123...").
 *
 * Input is checked the way the AWS CLI and Route 53 check it, with the same
 * codes and messages: `InvalidInput` for a request that does not fit the
 * model ('Unknown parameter in ChangeBatch.Changes[0]: "Foo", must be one
 * of: Action, ResourceRecordSet', 'Missing required parameter in input:
 * "HostedZoneId"', 'Invalid type for parameter ...', "1 validation error
 * detected: Value '256' at 'changeBatch.changes.1.member.resourceRecordSet.
 * weight' failed to satisfy constraint: ...", "Invalid request: Missing field
 * 'SetIdentifier' in Change with [...]"), `InvalidChangeBatch` with Route 53's
 * per-change messages listed as the AWS CLI prints them ("[Tried to create
 * resource record set [name='x.example.com.', type='A'] but it already
 * exists, ...]"), `NoSuchHostedZone`, `NoSuchChange`, `HostedZoneNotEmpty`,
 * `HostedZoneAlreadyExists`, `InvalidDomainName`, `NoSuchHealthCheck`.
 * A change batch is all or nothing.
 *
 * # pop's extensions and differences
 * - Private zones answer by source address instead of VPC: give
 *   `HostedZoneConfig.PrivateZone: true` and `SourcePrefixes: ["198.18.0.0/15",
 *   "2001:db8::/32", ...]` (1 to 100 IPv4 or IPv6 CIDR blocks). `VPC` is
 *   refused (`InvalidVPCId`); get-hosted-zone reports `SourcePrefixes` in
 *   place of `VPCs`. A second public zone of a name already served is refused
 *   (`ConflictingDomainExists`): one appliance serves one public zone per name.
 * - New zones get an SOA (TTL 900, `<ns1> hostmaster.<zone>. 1 7200 900
 *   1209600 86400`, Route 53's timers) and 4 NS (TTL 172800): the names in
 *   store_meta key `route53.name_servers` (a JSON array of 4 host names) when
 *   set, else ns1..ns4 under the zone itself.
 * - Zone transfers (pop only): `put-zone-transfer-policy` {HostedZoneId,
 *   AllowTransfer: ["198.18.0.0/15", "2001:2::/48", ...]} sets the clients
 *   (0 to 100 IPv4 or IPv6 CIDR blocks, host bits zero) that may AXFR/IXFR
 *   the zone over TCP; an empty list, the default, refuses every transfer
 *   (private zones alike). It is published like a change (ChangeInfo,
 *   INSYNC). `get-zone-transfer-policy` {HostedZoneId} reads it back. Errors:
 *   InvalidInput (a bad block, more than 100), NoSuchHostedZone.
 * - NOTIFY (RFC 1996, pop only): the policy's optional `Notify`
 *   ["198.18.0.2", "198.18.0.2:5353", "[2001:2::2]:53", ...] (0 to
 *   NOTIFY_MAX_TARGETS addresses, port 53 unless given; absent: none) are
 *   sent a NOTIFY over UDP after each committed change of the zone's serial,
 *   and when the policy names them anew (notify.h: retries, coalescing,
 *   bounds). get-zone-transfer-policy returns `Notify` in canonical form and
 *   `NotifyStatus` [{Target, LastSerial, LastSent, Tries, Pending, Acked,
 *   Rcode}] (since popd started; serials at start are not sent) and
 *   `NotifyCounters`, popd-wide {Queued, Coalesced, Sent, SendErrors, Acked,
 *   Expired, Dropped, Unmatched}.
 * - The SOA serial counts changes (Route 53 leaves it at 1): every committed
 *   change-resource-record-sets and import-zone that does not set the apex
 *   SOA itself adds one to its serial (RFC 1982, 4294967295 wraps to 0), so
 *   secondaries notice the change. Transfer-policy changes do not.
 * - `Location` is the path `/2013-04-01/hostedzone/<id>`, without a host.
 * - `import-zone` (RFC 1035 text, see zonefile.h; `$ORIGIN` starts at the
 *   zone apex) UPSERTs every record set in the file, atomically; record sets
 *   not in the file are kept, the apex SOA and NS included unless the file
 *   has them. Errors name the line. No batch size limits apply.
 * - `export-zone` writes the simple, non-alias record sets in zonefile.h's
 *   canonical form; record sets with a routing policy or an alias target
 *   have no zone-file form and are listed in comments at the top.
 * - Health checks (`create-health-check`, `get-health-check`,
 *   `get-health-check-status`, `list-health-checks`, `update-health-check`,
 *   `delete-health-check`, botocore's shapes) run in popd (health.h):
 *   RequestInterval is 1 to 30 s on the appliance; CLOUDWATCH_METRIC is
 *   refused (no CloudWatch); Regions, AlarmIdentifier and
 *   InsufficientDataHealthStatus are kept but the checkers are the
 *   appliance's own (`health put-checkers` {Checkers [{Region,
 *   SourceAddress}], HealthySharePercent, ResponseTimeBudgetMs,
 *   VerifyCertificates}, `health
 *   get-checkers`); ids are version 4 UUIDs. A check named by a record set
 *   or by a calculated check cannot be deleted (`HealthCheckInUse`).
 * - `set-health-check-status` {HealthCheckId, Status: Healthy|Unhealthy|Auto}
 *   forces the status of a running health check over its checkers' (Auto
 *   releases it), or, for an id that record sets name but no health check
 *   has, sets its live word directly; no rebuild.
 * - `GeoProximityLocation` {AWSRegion, LocalZoneGroup, Coordinates
 *   {Latitude, Longitude}, Bias} is read as in Route 53's current API.
 *   `CidrRoutingConfig` and `TrafficPolicyInstanceId` are refused.
 * - HealthCheckId values of record sets are not checked against health
 *   checks (an id with no check stays UNKNOWN, i.e. healthy, unless set by
 *   set-health-check-status); each distinct id gets a live-state slot in
 *   `health_slots`. Record sets whose first A/AAAA address lies in an
 *   availability zone of `arc put-availability-zones` get that zone's
 *   zonal-shift slot (arc.h).
 */
#ifndef POP_ROUTE53_H
#define POP_ROUTE53_H

#include "env.h"
#include "sock.h"
#include "tables.h"

#include <stddef.h>
#include <stdint.h>

/** Most changes (and ResourceRecord values) in one change batch. */
#define ROUTE53_MAX_CHANGES 1000
/** Most characters of Value elements in one change batch (UPSERTs count twice). */
#define ROUTE53_MAX_VALUE_CHARS 32000
/** Largest ZoneFile import-zone accepts, in bytes. */
#define ROUTE53_MAX_ZONE_FILE_BYTES (64u * 1024u * 1024u)

/** The commands above. */
extern const struct ctl_command route53_commands[];
extern const size_t route53_command_count;

/**
 * Create or upgrade route53's tables (store_migrate) and register
 * route53_compile_zones() as the compiler of TABLES_KIND_ZONES.
 * @return 0 or a negative error.
 */
int route53_init(struct popd_env *env);

/**
 * Build the zones table from the store: every hosted zone and record set,
 * names and data in wire form, health-check ids as live-state slots, alias
 * targets in pop's own zones resolved to their records.
 * @param tb a builder of TABLES_KIND_ZONES; filled (zones_builder_finish()).
 * @return 0 or a negative error (tb then holds nothing usable).
 */
int route53_compile_zones(struct popd_env *env, struct tables_builder *tb);

/** Resolves a routing control's ARN to its TABLES_LIVE_ROUTING_CONTROL slot (-ENOENT). */
typedef int route53_control_slot_fn(struct popd_env *env, const char *arn, uint32_t *slot);

/** ARC registers how RECOVERY_CONTROL health checks find their routing control. */
void route53_set_control_resolver(route53_control_slot_fn *fn);

/** Start the health checkers of the stored checks (popd's module start, after bootstrap). */
int route53_health_start(struct popd_env *env);

/** Stop them. */
void route53_health_stop(struct popd_env *env);

/**
 * Start sending NOTIFY (notify.h) to the targets of the zones' transfer
 * policies after each commit that changes a zone's SOA serial or names a
 * new target (popd's module start; the serials stored now are not sent).
 * Its sockets and timer are watched on env->server's loop (NULL: not
 * watched, route53_notify_poll() does the work).
 */
int route53_notify_start(struct popd_env *env);

/** Stop it. */
void route53_notify_stop(struct popd_env *env);

/** Read the secondaries' responses and send what is due now (popd's loop does it itself). */
void route53_notify_poll(struct popd_env *env);

/** Command count of the NOTIFY sender's entry in popd's module table: it has none. */
extern const size_t route53_notify_command_count;

/** Re-evaluate calculated and routing-control checks now (ARC changed a control). */
void route53_health_refresh(struct popd_env *env);

/**
 * A health check's status now (TABLES_HEALTH_*), or -ENOENT when no health
 * check has that id.
 */
int route53_health_status(struct popd_env *env, const char *id);

#endif /* POP_ROUTE53_H */
