/* SPDX-License-Identifier: BSD-3-Clause */
/* route53's command table, schema and start. */
#include "route53_pvt.h"

#include "store.h"

/*
 * Schema steps are only ever appended (store_migrate). Record sets are kept
 * as their normalized JSON (what list-resource-record-sets prints) beside
 * the columns the listing order, the checks and the compiler need.
 */
static const char *const route53_schema[] = {
    "CREATE TABLE r53_zones (id TEXT PRIMARY KEY, name TEXT NOT NULL, apex BLOB NOT NULL, "
    "caller_reference TEXT NOT NULL UNIQUE, comment TEXT, private INTEGER NOT NULL, "
    "source_prefixes TEXT, name_servers TEXT NOT NULL, rrset_count INTEGER NOT NULL)",
    "CREATE INDEX r53_zones_apex ON r53_zones (apex)",
    "CREATE TABLE r53_rrsets (zone_id TEXT NOT NULL, sort_key BLOB NOT NULL, "
    "type TEXT NOT NULL, set_id TEXT NOT NULL, name TEXT NOT NULL, owner BLOB NOT NULL, "
    "type_code INTEGER NOT NULL, ttl INTEGER NOT NULL, rdata BLOB, rdata_count INTEGER NOT "
    "NULL, policy INTEGER NOT NULL, policy_key TEXT, plain INTEGER NOT NULL, health_id TEXT, "
    "body TEXT NOT NULL, PRIMARY KEY (zone_id, sort_key, type, set_id)) WITHOUT ROWID",
    /* Shared with the health checks to come: one live-state slot per health-check id. */
    "CREATE TABLE IF NOT EXISTS health_slots (id TEXT PRIMARY KEY, slot INTEGER UNIQUE)",
    "CREATE TABLE r53_health_checks (id TEXT PRIMARY KEY, caller_reference TEXT NOT NULL "
    "UNIQUE, version INTEGER NOT NULL, config TEXT NOT NULL)",
    "CREATE TABLE health_checkers (region TEXT PRIMARY KEY, source TEXT NOT NULL)",
    /* Availability zones of record targets, and one zonal-shift slot per
     * (hosted zone, availability zone): written by ARC, read by the compiler. */
    "CREATE TABLE IF NOT EXISTS az_prefixes (az TEXT NOT NULL, prefix TEXT NOT NULL, "
    "PRIMARY KEY (az, prefix))",
    "CREATE TABLE IF NOT EXISTS zonal_slots (zone_id TEXT NOT NULL, az TEXT NOT NULL, "
    "slot INTEGER NOT NULL UNIQUE, PRIMARY KEY (zone_id, az))",
    /* pop: the zone-transfer ACL (a JSON array of CIDR blocks; NULL: none). */
    "ALTER TABLE r53_zones ADD COLUMN xfr_prefixes TEXT",
    /* pop: the NOTIFY targets (a JSON array of "address:port"; NULL: none). */
    "ALTER TABLE r53_zones ADD COLUMN notify TEXT",
};

/*
 * Messages quote what the client sent, cut to a length; a cut can split a
 * UTF-8 sequence, and a response must be valid UTF-8. Every handler's
 * message is mended on the way out.
 */
static void utf8_mend(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p != '\0') {
		size_t n = *p < 0x80		 ? 1
			   : (*p & 0xe0) == 0xc0 ? 2
			   : (*p & 0xf0) == 0xe0 ? 3
			   : (*p & 0xf8) == 0xf0 ? 4
						 : 0;
		size_t i;

		for (i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
			;
		if (n == 0 || i < n || (n == 2 && *p < 0xc2) || (n == 4 && *p > 0xf4)) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

#define R53_GUARDED(name)                                                                          \
	static int guarded_##name(struct ctl_call *call)                                           \
	{                                                                                          \
		int rc = name(call);                                                               \
		if (rc < 0)                                                                        \
			utf8_mend(call->error.message);                                            \
		return rc;                                                                         \
	}

R53_GUARDED(r53_cmd_create_hosted_zone)
R53_GUARDED(r53_cmd_get_hosted_zone)
R53_GUARDED(r53_cmd_list_hosted_zones)
R53_GUARDED(r53_cmd_delete_hosted_zone)
R53_GUARDED(r53_cmd_change_rrsets)
R53_GUARDED(r53_cmd_list_rrsets)
R53_GUARDED(r53_cmd_get_change)
R53_GUARDED(r53_cmd_import_zone)
R53_GUARDED(r53_cmd_export_zone)
R53_GUARDED(r53_cmd_set_health_status)
R53_GUARDED(r53_cmd_list_zones_by_name)
R53_GUARDED(r53_cmd_get_zone_count)
R53_GUARDED(r53_cmd_create_health_check)
R53_GUARDED(r53_cmd_get_health_check)
R53_GUARDED(r53_cmd_get_health_check_status)
R53_GUARDED(r53_cmd_list_health_checks)
R53_GUARDED(r53_cmd_update_health_check)
R53_GUARDED(r53_cmd_delete_health_check)
R53_GUARDED(r53_cmd_put_health_checkers)
R53_GUARDED(r53_cmd_get_health_checkers)
R53_GUARDED(r53_cmd_put_xfr_policy)
R53_GUARDED(r53_cmd_get_xfr_policy)

const struct ctl_command route53_commands[] = {
    {"route53 create-hosted-zone",
     "--name NAME --caller-reference REF [--hosted-zone-config {\"Comment\":...,"
     "\"PrivateZone\":true}] [--source-prefixes CIDR...]",
     guarded_r53_cmd_create_hosted_zone, CTL_CMD_MUTATES},
    {"route53 get-hosted-zone", "--id ZONE_ID", guarded_r53_cmd_get_hosted_zone, 0},
    {"route53 list-hosted-zones", "[--marker ZONE_ID] [--max-items N]",
     guarded_r53_cmd_list_hosted_zones, 0},
    {"route53 delete-hosted-zone", "--id ZONE_ID", guarded_r53_cmd_delete_hosted_zone,
     CTL_CMD_MUTATES},
    {"route53 change-resource-record-sets",
     "--hosted-zone-id ZONE_ID --change-batch file://batch.json", guarded_r53_cmd_change_rrsets,
     CTL_CMD_MUTATES},
    {"route53 list-resource-record-sets",
     "--hosted-zone-id ZONE_ID [--start-record-name NAME [--start-record-type TYPE "
     "[--start-record-identifier ID]]] [--max-items N]",
     guarded_r53_cmd_list_rrsets, 0},
    {"route53 get-change", "--id CHANGE_ID", guarded_r53_cmd_get_change, 0},
    {"route53 import-zone", "--hosted-zone-id ZONE_ID --zone-file file://zone.txt [--comment TEXT]",
     guarded_r53_cmd_import_zone, CTL_CMD_MUTATES},
    {"route53 export-zone", "--hosted-zone-id ZONE_ID", guarded_r53_cmd_export_zone, 0},
    {"route53 set-health-check-status", "--health-check-id ID --status Healthy|Unhealthy|Auto",
     guarded_r53_cmd_set_health_status, 0},
    {"route53 list-hosted-zones-by-name",
     "[--dns-name NAME [--hosted-zone-id ZONE_ID]] [--max-items N]",
     guarded_r53_cmd_list_zones_by_name, 0},
    {"route53 get-hosted-zone-count", "-> {HostedZoneCount}", guarded_r53_cmd_get_zone_count, 0},
    {"route53 create-health-check",
     "--caller-reference REF --health-check-config '{\"Type\":\"HTTP\",\"IPAddress\":...}'",
     guarded_r53_cmd_create_health_check, CTL_CMD_MUTATES},
    {"route53 get-health-check", "--health-check-id ID", guarded_r53_cmd_get_health_check, 0},
    {"route53 get-health-check-status", "--health-check-id ID",
     guarded_r53_cmd_get_health_check_status, 0},
    {"route53 list-health-checks", "[--marker ID] [--max-items N]",
     guarded_r53_cmd_list_health_checks, 0},
    {"route53 update-health-check",
     "--health-check-id ID [--health-check-version N] [--failure-threshold N] [--disabled] ...",
     guarded_r53_cmd_update_health_check, CTL_CMD_MUTATES},
    {"route53 delete-health-check", "--health-check-id ID", guarded_r53_cmd_delete_health_check,
     CTL_CMD_MUTATES},
    {"health put-checkers",
     "--checkers '[{\"Region\":\"us-east-1\",\"SourceAddress\":\"198.18.1.11\"},...]' "
     "[--healthy-share-percent 18] [--response-time-budget-ms 6000] [--verify-certificates]",
     guarded_r53_cmd_put_health_checkers, CTL_CMD_MUTATES},
    {"health get-checkers", "(no options)", guarded_r53_cmd_get_health_checkers, 0},
    {"route53 put-zone-transfer-policy",
     "--hosted-zone-id ZONE_ID --allow-transfer CIDR... (none: refuse every transfer) "
     "[--notify ADDRESS[:PORT]...]",
     guarded_r53_cmd_put_xfr_policy, CTL_CMD_MUTATES},
    {"route53 get-zone-transfer-policy", "--hosted-zone-id ZONE_ID", guarded_r53_cmd_get_xfr_policy,
     0},
};

const size_t route53_command_count = sizeof(route53_commands) / sizeof(route53_commands[0]);

int route53_init(struct popd_env *env)
{
	int rc = store_migrate(env->store, "route53", route53_schema,
			       sizeof(route53_schema) / sizeof(route53_schema[0]));

	if (rc < 0)
		return rc;
	if ((rc = r53_health_init(env)) < 0)
		return rc;
	if ((rc = r53_notify_init(env)) < 0)
		return rc;
	return env_register_compiler(env, TABLES_KIND_ZONES, route53_compile_zones);
}
