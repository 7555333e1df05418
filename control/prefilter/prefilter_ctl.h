/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file prefilter_ctl.h
 * popd's prefilter module: the rules of the XDP prefilter and popdp's
 * software first stage -- blocklist, allowlist, per-source rates, the
 * fragment policy, the service ports -- kept in SQLite and compiled into the
 * prefilter table (tables/prefilter), which popdp copies into the XDP
 * program's maps (af_xdp) or reads in place (any other PMD). popd's thread
 * only. (The header is not prefilter.h: that name is the table's.)
 *
 * # Commands
 * | command | args | result |
 * |---|---|---|
 * | `prefilter block` * | Cidr, [Comment] | Rule, ChangeInfo |
 * | `prefilter unblock` * | Cidr | ChangeInfo |
 * | `prefilter allow` * | Cidr, [Comment] | Rule, ChangeInfo |
 * | `prefilter disallow` * | Cidr | ChangeInfo |
 * | `prefilter rates` * | [PerSourcePps], [Burst], [PerPrefix64Pps], [Prefix64Burst] | Rates,
 * ChangeInfo | | `prefilter set-fragments` * | Action (drop, pass) | Fragments, ChangeInfo | |
 * `prefilter set-service-ports` * | Ports [{Protocol, Port}] | ServicePorts, ChangeInfo | |
 * `prefilter list` | | Blocked, Allowed, Rates, Fragments, ServicePorts | | `prefilter stats` | |
 * Xdp, Software, DataplaneAttached, StatsAgeMs |
 *
 * (* CTL_CMD_MUTATES; ChangeInfo is Route 53's: INSYNC once every worker of
 * the data plane uses the new table, and for af_xdp, once popdp has copied it
 * into the XDP maps.)
 *
 * - A Cidr is an IPv4 or IPv6 prefix with its host bits zero, or a bare
 *   address (a /32 or /128). Blocking a prefix already blocked replaces its
 *   comment. Unblocking one that is not blocked is `NoSuchRule`. Each list
 *   holds at most PF_MAX_RULES prefixes per family.
 * - Rates are tokens per second and bucket sizes: PerSourcePps / Burst for
 *   each IPv4 source (/32), PerPrefix64Pps / Prefix64Burst for each IPv6 /64;
 *   a rate of 0 turns that limit off; a rate needs a burst of 1 or more.
 *   Options left out keep their value. Sources in the allowlist skip them.
 * - Ports replaces the whole set: 1 to PF_MAX_SERVICE_PORTS of
 *   {"Protocol": "udp"|"tcp", "Port": 1-65535}; the default is DNS on 53 over
 *   UDP and TCP, HTTP on 80 and HTTPS on 443 over TCP.
 * - `stats` sums the XDP program's per-CPU counters and the software first
 *   stage's per-worker counters as popdp last reported them (`dataplane
 *   stats`, member `prefilter`): {"Xdp": {"Mode": "af_xdp"|"software"|...,
 *   "Counters": {name: {"Packets", "Bytes"}}}, ...}.
 *
 * Errors: `InvalidInput` for arguments of the wrong shape,
 * `InvalidParameterValue` for a bad value, `NoSuchRule`, `LimitExceeded`.
 */
#ifndef POP_PREFILTER_CTL_H
#define POP_PREFILTER_CTL_H

#include "env.h"
#include "sock.h"
#include "tables.h"

#include <stddef.h>

/** The commands above. */
extern const struct ctl_command prefilter_commands[];
extern const size_t prefilter_command_count;

/**
 * Create or upgrade the module's tables (store_migrate; the first start
 * stores the defaults: no limits, fragments dropped, ports 53/udp, 53/tcp,
 * 80/tcp, 443/tcp) and register prefilter_compile() as the compiler of
 * TABLES_KIND_PREFILTER.
 * @return 0 or a negative error.
 */
int prefilter_init(struct popd_env *env);

/**
 * Build the prefilter table from the store.
 * @param tb a builder of TABLES_KIND_PREFILTER; filled.
 * @return 0 or a negative error (-ENOMEM, a store error, -EINVAL for a
 *   stored row that no longer validates).
 */
int prefilter_compile(struct popd_env *env, struct tables_builder *tb);

/**
 * Parse a CIDR block or bare address.
 * @param text "198.18.5.0/24", "2001:2::/48", "198.18.5.7".
 * @param family receives 4 or 6; @param addr 16 bytes, network order, zero
 *   padded; @param len the prefix length.
 * @return 0, or -EINVAL (not an address, length out of range, host bits set).
 */
int prefilter_cidr_parse(const char *text, uint8_t *family, uint8_t addr[16], uint8_t *len);

#endif /* POP_PREFILTER_CTL_H */
