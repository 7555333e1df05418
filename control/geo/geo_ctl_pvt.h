/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to control/geo: the MaxMind DB reader, the compiler's state, shared helpers. */
#ifndef POP_GEO_CTL_PVT_H
#define POP_GEO_CTL_PVT_H

#include "base.h"
#include "env.h"
#include "geo.h"
#include "geo_ctl.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEO_CTL_LOG(level, ...) POP_LOG("geo", level, __VA_ARGS__)

/* ------------------------------------------------------------ MaxMind DB */

/** What a MaxMind DB file holds, as geo_mmdb_read() found it. */
struct geo_mmdb_info {
	char database_type[128];
	uint64_t build_epoch;
	uint16_t ip_version;
	uint16_t record_size;
	uint32_t node_count;
	uint64_t file_size;
	uint64_t networks[2];	/**< networks with facts: [0] IPv4, [1] IPv6 */
	uint64_t data_records;	/**< distinct data records read */
	uint64_t codes_dropped; /**< codes of an unexpected shape, left out */
};

/** Called for each network with facts, in address order; non-zero stops the read. */
typedef int (*geo_mmdb_network_fn)(void *user, uint8_t family, const uint8_t *addr, uint8_t len,
				   const struct geo_facts *facts);

/**
 * Read every network of a MaxMind DB file (GeoLite2/GeoIP2 Country or City
 * style: continent.code, country.iso_code or registered_country.iso_code,
 * subdivisions[0].iso_code, location.latitude/longitude) by walking its
 * search tree. IPv4 is read from the IPv4 subtree (::/96 of an IPv6
 * database); the IPv6 aliases of it (::ffff:0:0/96, 2002::/16, ...) are
 * skipped. A tree that is not one (a cycle, a node reached too often), a
 * record past the data section, or data that does not decode is refused.
 * @param fn may be NULL (check and count only).
 * @param err on failure: what is wrong, naming the file.
 * @return 0; -ENOENT / -EACCES / -EIO for a file that cannot be read;
 *   -POP_EFORMAT for one that is not a MaxMind DB or is corrupt; -ENOMEM;
 *   or what @p fn returned.
 */
int geo_mmdb_read(const char *path, geo_mmdb_network_fn fn, void *user, struct geo_mmdb_info *info,
		  char *err, size_t errlen);

/* -------------------------------------------------------------- commands */

/* The ChangeInfo of a new change of the geo table (marks it dirty). */
json_t *geo_change(struct popd_env *env, const char *comment, int *rc);

/** Parse "198.18.0.0/24" or "2001:db8::/32": 0, or -EINVAL. */
int geo_prefix_parse(const char *text, uint8_t *family, uint8_t addr[16], uint8_t *len);

/** Canonical text of a prefix into @p buf (at least 64 bytes). */
void geo_prefix_format(uint8_t family, const uint8_t *addr, uint8_t len, char *buf, size_t size);

/** The last compile's outcome, for get-status. */
struct geo_compile_status {
	char source[16];	  /**< "file", "snapshot", "none" */
	char error[512];	  /**< "" when the database was compiled in (or none is set) */
	uint64_t generation_base; /**< the generation published when it ran */
};

/** The status of the last compile (process-wide, popd's thread). */
const struct geo_compile_status *geo_compile_last(void);

#endif /* POP_GEO_CTL_PVT_H */
