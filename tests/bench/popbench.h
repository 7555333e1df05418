/* SPDX-License-Identifier: BSD-3-Clause */
/* popbench's parts: the report line and the DNS case. */
#ifndef POP_POPBENCH_H
#define POP_POPBENCH_H

#include "base.h"
#include "net.h"

#include <stdbool.h>
#include <stdint.h>

/** Print one case: median Mpps, median cycles per packet, min-max Mpps. */
void popbench_report(const char *name, const double *mpps, const uint64_t *cycles,
		     unsigned long runs, unsigned long packets);

/** The DNS case (net + engine + UDP reply); 0 or 1 on failure. */
int popbench_dns(const struct net_iface *ifc, unsigned long packets, unsigned long runs,
		 bool answer_cache);

#endif
