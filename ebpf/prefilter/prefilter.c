// SPDX-License-Identifier: BSD-3-Clause
/*
 * pop's XDP prefilter: the first thing a frame meets. What popdp serves for
 * its VIPs (ARP and neighbour solicitations for them, ICMP/ICMPv6 to them,
 * and their service ports from pf_ports: DNS, HTTP, HTTPS by default) goes
 * to popdp's AF_XDP socket once it passed the checks of prefilter_rules.h;
 * what the host itself uses (management, origin replies, other addresses and
 * ethertypes) goes to the kernel; the rest is dropped and counted per CPU by
 * reason in prefilter_stats.
 *
 * The rules live in prefilter_rules.h, shared with popdp's software first
 * stage; this file only binds them to the maps (prefilter_maps.h), which are
 * the program's only configuration. popdp's control thread fills the maps
 * (VIPs from its --vip options, the rest from popd's prefilter table) once
 * net_af_xdp has loaded and attached this object.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define PF_INLINE  static __always_inline
#define PF_BE16(x) bpf_ntohs(x)
#define PF_BE32(x) bpf_ntohl(x)

#include "prefilter_consts.h"
#include "prefilter_structs.h"
#include "prefilter_maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct pf_env {
	__u64 bytes;
};

PF_INLINE void pf_count(__u32 stat, __u64 bytes)
{
	struct pf_counter *counter = bpf_map_lookup_elem(&prefilter_stats, &stat);

	/* Per-CPU values: no other CPU writes them, no atomics needed. */
	if (counter) {
		counter->packets++;
		counter->bytes += bytes;
	}
}

PF_INLINE void pf_env_count_detail(struct pf_env *env, __u32 stat)
{
	pf_count(stat, env->bytes);
}

PF_INLINE __u64 pf_env_now_ns(struct pf_env *env)
{
	return bpf_ktime_get_ns();
}

PF_INLINE int pf_env_vip4(struct pf_env *env, __u32 addr)
{
	return bpf_map_lookup_elem(&pf_vip4, &addr) != NULL;
}

PF_INLINE int pf_env_vip6(struct pf_env *env, const struct pf_addr6 *addr)
{
	struct pf_addr6 key;

	__builtin_memcpy(&key, addr, sizeof(key));
	return bpf_map_lookup_elem(&pf_vip6, &key) != NULL;
}

PF_INLINE int pf_env_port(struct pf_env *env, __u8 proto, __u16 port)
{
	struct pf_port_key key = {.port = port, .proto = proto, .pad = 0};

	return bpf_map_lookup_elem(&pf_ports, &key) != NULL;
}

PF_INLINE void pf_env_config(struct pf_env *env, struct pf_config *out)
{
	__u32 zero = 0;
	struct pf_config *cfg = bpf_map_lookup_elem(&pf_config, &zero);

	if (cfg)
		__builtin_memcpy(out, cfg, sizeof(*out));
	else
		__builtin_memset(out, 0, sizeof(*out));
}

PF_INLINE int pf_env_blocked4(struct pf_env *env, __u32 addr)
{
	struct pf_lpm4_key key = {.prefixlen = 32};

	__builtin_memcpy(key.addr, &addr, sizeof(key.addr));
	return bpf_map_lookup_elem(&pf_block4, &key) != NULL;
}

PF_INLINE int pf_env_allowed4(struct pf_env *env, __u32 addr)
{
	struct pf_lpm4_key key = {.prefixlen = 32};

	__builtin_memcpy(key.addr, &addr, sizeof(key.addr));
	return bpf_map_lookup_elem(&pf_allow4, &key) != NULL;
}

PF_INLINE int pf_env_blocked6(struct pf_env *env, const struct pf_addr6 *addr)
{
	struct pf_lpm6_key key = {.prefixlen = 128};

	__builtin_memcpy(key.addr, addr->addr, sizeof(key.addr));
	return bpf_map_lookup_elem(&pf_block6, &key) != NULL;
}

PF_INLINE int pf_env_allowed6(struct pf_env *env, const struct pf_addr6 *addr)
{
	struct pf_lpm6_key key = {.prefixlen = 128};

	__builtin_memcpy(key.addr, addr->addr, sizeof(key.addr));
	return bpf_map_lookup_elem(&pf_allow6, &key) != NULL;
}

PF_INLINE struct pf_bucket *pf_env_bucket4(struct pf_env *env, __u32 addr, __u64 now_ns,
					   __u64 full_credits)
{
	struct pf_bucket *b = bpf_map_lookup_elem(&pf_rate4, &addr);

	if (!b) {
		struct pf_bucket fresh = {.credits = full_credits, .last_ns = now_ns};

		bpf_map_update_elem(&pf_rate4, &addr, &fresh, BPF_NOEXIST);
		b = bpf_map_lookup_elem(&pf_rate4, &addr);
	}
	return b;
}

PF_INLINE struct pf_bucket *pf_env_bucket6(struct pf_env *env, __u64 prefix64, __u64 now_ns,
					   __u64 full_credits)
{
	struct pf_bucket *b = bpf_map_lookup_elem(&pf_rate6, &prefix64);

	if (!b) {
		struct pf_bucket fresh = {.credits = full_credits, .last_ns = now_ns};

		bpf_map_update_elem(&pf_rate6, &prefix64, &fresh, BPF_NOEXIST);
		b = bpf_map_lookup_elem(&pf_rate6, &prefix64);
	}
	return b;
}

#include "prefilter_rules.h"

SEC("xdp")
int pop_prefilter(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *data_end = (__u8 *)(long)ctx->data_end;
	struct pf_env env = {.bytes = data_end - data};
	struct pf_packet pkt = {};
	enum pf_stat verdict;
	int action;

	verdict = pf_filter(&env, data, data_end, &pkt);
	pf_count(verdict, env.bytes);

	switch (verdict) {
	case PF_STAT_TO_DATAPLANE:
		action = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
		if (action != XDP_REDIRECT)
			pf_count(PF_STAT_DATAPLANE_NO_SOCKET, env.bytes);
		return action;
	case PF_STAT_PASS_KERNEL:
	case PF_STAT_PASS_FRAGMENT:
		return XDP_PASS;
	default:
		return XDP_DROP;
	}
}
