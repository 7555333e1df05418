/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file geo_ctl.h
 * popd's geo module: the geo database (a MaxMind DB file) and the latency
 * table (resolver prefix -> AWS region), their commands and SQLite tables,
 * and the compiler of the geo table (tables/geo) that popdp's DNS engine
 * reads for geolocation, geoproximity and latency routing. popd's thread
 * only. (The header is not geo.h: that name is the table's, on the same
 * include path.)
 *
 * # Commands
 * | command | args | result |
 * |---|---|---|
 * | `geo load-database` * | Path | Database, ChangeInfo |
 * | `geo put-latency-prefixes` * | Prefixes [{Prefix, Region}] | PrefixCount, ChangeInfo |
 * | `geo list-latency-prefixes` | | Prefixes |
 * | `geo get-status` | | Database, LatencyPrefixCount, Table, LastCompile |
 * | `geo lookup` | Address | Address, Generation, Found, Prefix, GeoLocation, Coordinates, Region |
 *
 * (* CTL_CMD_MUTATES; ChangeInfo is Route 53's, so `route53 get-change`
 * reports when the new table is INSYNC on every data plane worker.)
 *
 * - `load-database` reads the whole file (an absolute path) now: every
 *   network of the search tree and the facts of its data record
 *   (continent.code, country.iso_code or else registered_country.iso_code,
 *   subdivisions[0].iso_code, location.latitude/longitude). A file that
 *   cannot be read, is not a MaxMind DB, is corrupt, or holds no geo fact
 *   is refused with an error naming it, and the database in use is kept.
 *   The path, the file's metadata and a load id are stored; the content goes
 *   into the published table. popd reads the file again only when it must
 *   rebuild the table and the published one does not hold this load (after
 *   a reboot empties /run); if the file is gone then, the table is published
 *   without database facts, logged, and get-status says so.
 * - `put-latency-prefixes` replaces the whole latency table: 0 to
 *   GEO_CTL_MAX_LATENCY_PREFIXES prefixes (IPv4 or IPv6 CIDR, host bits
 *   zero, each once) with a Region among Route 53's latency regions
 *   (ResourceRecordSetRegion). An address takes the region of the longest
 *   prefix holding it.
 * - `lookup` answers from the table popd published last (what the data plane
 *   uses once it is INSYNC): `Found` false when nothing is known; `Prefix` is
 *   the block the answer holds for (the ECS scope).
 *
 * Errors: `InvalidInput` for arguments of the wrong shape (as the AWS CLI
 * words them: unknown or missing parameter, wrong type),
 * `InvalidParameterValue` for a bad value or database file,
 * `NoSuchTable` when no geo table is published.
 */
#ifndef POP_GEO_CTL_H
#define POP_GEO_CTL_H

#include "env.h"
#include "sock.h"
#include "tables.h"

#include <stddef.h>

/** Most prefixes in the latency table. */
#define GEO_CTL_MAX_LATENCY_PREFIXES 100000

/** The commands above. */
extern const struct ctl_command geo_commands[];
extern const size_t geo_command_count;

/**
 * Create or upgrade geo's tables (store_migrate) and register geo_compile()
 * as the compiler of TABLES_KIND_GEO.
 * @return 0 or a negative error.
 */
int geo_init(struct popd_env *env);

/**
 * Build the geo table from the store: the database's networks (from the
 * published table when it holds the stored load, else from the file) and
 * the latency prefixes. An unreadable database file does not fail the build
 * (it is logged and reported by get-status): the table is then published
 * without its facts, so popd still starts and DNS still answers.
 * @param tb a builder of TABLES_KIND_GEO; filled.
 * @return 0 or a negative error (-ENOMEM, a store error).
 */
int geo_compile(struct popd_env *env, struct tables_builder *tb);

#endif /* POP_GEO_CTL_H */
