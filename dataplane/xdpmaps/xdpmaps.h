/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file xdpmaps.h
 * popdp's hold on the XDP prefilter that net_af_xdp attached to its
 * interface: the program's maps found by id, filled from popdp's VIPs and
 * popd's prefilter table, and its per-CPU counters read for `dataplane
 * stats`.
 *
 * # Why the maps are found, not pinned
 * DPDK 22.11's net_af_xdp loads the `xdp_prog=` object itself (libbpf open
 * and load of the file, the first program attached to the interface, the
 * map `xsks_map` looked up by name), so the maps are created inside that
 * call. Pinning them (LIBBPF_PIN_BY_NAME) would make libbpf reuse whatever
 * sits at one fixed path under /sys/fs/bpf -- shared by every pop instance
 * on the host (several labs at once), surviving a crashed popdp, and
 * needing a bpffs mounted where popdp runs (`ip netns exec` hides the
 * host's). Instead popdp asks the kernel, once its port started, which
 * program is attached to its interface (bpf_xdp_query), checks that it is
 * pop's (program name and the map names and sizes it expects), and opens
 * that program's maps by id. The maps then live exactly as long as the
 * attachment, belong to this instance alone, and are filled from what
 * popdp reads anyway: its --vip options and the prefilter table popd
 * publishes (the same table the software first stage reads). A restarted
 * popdp gets fresh maps and fills them at once from the current table; a
 * restarted popd republishes the table, which popdp copies again. popd thus
 * keeps the rules (SQLite) and never holds a map; the counters reach it in
 * `dataplane stats`.
 *
 * Control thread only (syscalls).
 */
#ifndef POP_XDPMAPS_H
#define POP_XDPMAPS_H

#include "net.h"
#include "prefilter.h"

#include <stdint.h>

/** The attached prefilter's maps; opaque. */
struct xdpmaps;

/**
 * Find the program attached to interface @p ifindex and open its maps.
 * @return 0 and *out; -ENOENT when no XDP program is attached; -POP_EFORMAT
 *   when the attached program is not pop's prefilter (name or maps); or the
 *   negative errno of bpf().
 */
int xdpmaps_open(unsigned ifindex, struct xdpmaps **out);

/** The attached program's id. */
uint32_t xdpmaps_prog_id(const struct xdpmaps *m);

/** Write the VIPs of @p ifc into pf_vip4 / pf_vip6 (replacing what is there). */
int xdpmaps_set_vips(struct xdpmaps *m, const struct net_iface *ifc);

/**
 * Make pf_config, pf_ports and the four LPM tries hold the table @p top of
 * @p s (NULL: the defaults -- no lists, no limits, fragments dropped, the
 * default ports). Entries are added before stale ones are removed, so a rule
 * present in both generations never lapses.
 * @return 0 or the first negative errno (the maps may then hold part of the
 *   new table; the next call repairs them).
 */
int xdpmaps_sync(struct xdpmaps *m, const struct tables_snapshot *s,
		 const struct prefilter_top *top);

/** Sum every CPU's counters into @p totals (PF_STAT_MAX entries). */
int xdpmaps_read_stats(struct xdpmaps *m, struct pf_counter *totals);

/** Close the map fds and free. NULL is ignored. */
void xdpmaps_close(struct xdpmaps *m);

/**
 * Detach XDP program @p prog_id from @p ifindex if it is still the one
 * attached (after the port closed, net_af_xdp should have done it: this
 * makes sure no program stays behind when popdp stops).
 * @return 1 when it had to detach, 0 when nothing was attached or another
 *   program is, or a negative errno.
 */
int xdpmaps_detach_if_attached(unsigned ifindex, uint32_t prog_id);

#endif /* POP_XDPMAPS_H */
