/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * impair: the decisions of the lab's impairment relay, with no sockets and
 * no clock of its own, so that unit tests can drive it frame by frame.
 *
 * Model, per direction (a -> b and b -> a are independent):
 *
 *   - Each frame draws the same number of numbers from the direction's own
 *     PRNG (xoshiro256** seeded through splitmix64 from the seed and the
 *     direction), whatever is decided. The decisions for the k-th frame of a
 *     direction therefore depend only on the seed, the direction and k: the
 *     same seed replays the same drops, copies, reorders and delays.
 *   - Loss first: a lost frame is counted and goes nowhere.
 *   - A rate limit (if set) serialises the frames that survive, in arrival
 *     order: a frame starts when the link is free, and the link is busy for
 *     len / rate seconds.
 *   - Then the delay: delay_us plus a jitter drawn uniformly from
 *     [-jitter_us, +jitter_us] (never below zero). Jitter alone does not
 *     reorder: a frame never leaves before the frame queued before it (the
 *     departure is at least the previous one's), unless jitter_reorders is set,
 *     in which case the drawn time is used as is and frames overtake each
 *     other as on a real netem qdisc whose jitter exceeds the gap.
 *   - Reorder: a frame chosen with probability reorder_ppm skips the delay and
 *     leaves at once, ahead of the frames still waiting (as netem's reorder
 *     does). So reordering needs a delay; impair_config_check() refuses a
 *     reorder rate without one.
 *   - Duplication: a surviving frame chosen with probability dup_ppm leaves
 *     twice, the copy right after the original.
 *   - The queue of waiting frames is bounded (queue_limit frames per
 *     direction): a frame that would exceed it is a counted tail drop.
 *
 * The scheduler (struct impair_queue) is a binary min-heap of departure
 * times, ties broken by arrival order, over a caller-sized array.
 */
#ifndef POP_IMPAIR_H
#define POP_IMPAIR_H

#include <stddef.h>
#include <stdint.h>

/* Probabilities are in parts per million: 1% = 10,000. */
#define IMPAIR_PPM_ONE 1000000u

/* Upper bounds of the parameters (a config beyond them is refused). */
#define IMPAIR_MAX_DELAY_US   10000000u /* 10 s */
#define IMPAIR_MAX_QUEUE      1000000u
#define IMPAIR_DEFAULT_QUEUE  10000u
#define IMPAIR_MAX_RATE_BYTES 100000000000ull /* 100 GB/s: effectively none */

/* Directions: a -> b and b -> a. */
enum impair_dir_id { IMPAIR_AB = 0, IMPAIR_BA = 1, IMPAIR_NDIRS = 2 };

/* The impairment of one direction. */
struct impair_params {
	uint32_t loss_ppm;
	uint32_t dup_ppm;
	uint32_t reorder_ppm;
	uint32_t delay_us;
	uint32_t jitter_us;
	int jitter_reorders;  /* 1: jitter may reorder (raw departure times) */
	uint64_t rate_bytes;  /* bytes per second; 0: no limit */
	uint32_t queue_limit; /* frames waiting at most (>= 1) */
};

/* A whole configuration: both directions and the seed. */
struct impair_config {
	struct impair_params dir[IMPAIR_NDIRS];
	uint64_t seed;
};

/* Counters of one direction. */
struct impair_counters {
	uint64_t frames_in;   /* frames offered to impair_decide() */
	uint64_t lost;	      /* dropped by the loss rate */
	uint64_t duplicated;  /* frames sent twice */
	uint64_t reordered;   /* frames sent ahead of the delayed ones */
	uint64_t queue_drops; /* tail drops: the queue was at its bound */
	uint64_t delayed;     /* frames that waited a non-zero time */
};

/* The decision for one frame. */
struct impair_verdict {
	int copies;		 /* 0 (lost or tail-dropped), 1, or 2 (duplicated) */
	int lost;		 /* 1 if the loss rate took it */
	int queue_drop;		 /* 1 if the queue bound took it */
	int reordered;		 /* 1 if it skips the delay */
	uint64_t depart_ns;	 /* when it (and its copy) leave */
	uint32_t drawn_delay_us; /* the delay drawn, before FIFO and rate */
};

/* The state of one direction: its PRNG, its FIFO floor, its link clock. */
struct impair_dir {
	struct impair_params p;
	uint64_t rng[4];
	uint64_t last_depart_ns; /* departure of the last delayed frame */
	uint64_t link_free_ns;	 /* when the rate-limited link is free again */
	struct impair_counters c;
};

/*
 * Fill *cfg with the defaults: no impairment, queue IMPAIR_DEFAULT_QUEUE,
 * seed 1.
 */
void impair_config_default(struct impair_config *cfg);

/*
 * Parse one "key=value" or a comma-separated list of them into *cfg, over
 * the values already there. Keys: loss, dup, reorder (a percentage "1%",
 * "0.5%", or a fraction "0.01"), delay, jitter ("25ms", "500us", "1s", a
 * bare number is ms), rate (bytes per second, with k/m/g suffixes for
 * 1000s, or "Nmbit"/"Nkbit"/"Ngbit" in bits), queue (frames), seed (an
 * unsigned integer), dir (both, ab or ba: which directions the keys AFTER it
 * apply to; default both), jitter-reorders (0 or 1). An empty spec changes
 * nothing. Returns 0, or -EINVAL with a message naming the key and byte
 * offset in err (errlen bytes, may be 0).
 */
int impair_parse_spec(struct impair_config *cfg, const char *spec, char *err, size_t errlen);

/*
 * Check a configuration for consistency (reorder needs a delay, bounds).
 * Returns 0 or -EINVAL with a message in err.
 */
int impair_config_check(const struct impair_config *cfg, char *err, size_t errlen);

/* Write a one-line description of p into buf (for logs). */
void impair_params_format(const struct impair_params *p, char *buf, size_t len);

/* Initialise direction d of cfg into *dir: PRNG seeded, counters zero. */
void impair_dir_init(struct impair_dir *dir, const struct impair_config *cfg, enum impair_dir_id d);

/*
 * Decide the fate of one frame of len bytes arriving at now_ns, with
 * queued frames already waiting in this direction. Fills *v and counts.
 */
void impair_decide(struct impair_dir *dir, uint64_t now_ns, uint32_t len, uint32_t queued,
		   struct impair_verdict *v);

/* The raw PRNG, exposed for tests: next 64-bit number of dir's stream. */
uint64_t impair_rand(struct impair_dir *dir);

/* One waiting frame: departure time, arrival sequence, caller's handle. */
struct impair_slot {
	uint64_t depart_ns;
	uint64_t seq;
	uint32_t handle;
};

/* A bounded min-heap of waiting frames. */
struct impair_queue {
	struct impair_slot *heap;
	uint32_t len;
	uint32_t cap;
	uint32_t max_len; /* the deepest it has been */
	uint64_t next_seq;
};

/* Use slots (cap of them, caller-owned) as an empty queue. */
void impair_queue_init(struct impair_queue *q, struct impair_slot *slots, uint32_t cap);

/* Add a frame. Returns 0, or -ENOBUFS if the queue holds cap frames. */
int impair_queue_push(struct impair_queue *q, uint64_t depart_ns, uint32_t handle);

/* The earliest departure, or UINT64_MAX when empty. */
uint64_t impair_queue_next_ns(const struct impair_queue *q);

/*
 * Take the earliest frame if it is due at now_ns: returns 1 and sets
 * *handle, or 0 when nothing is due.
 */
int impair_queue_pop_due(struct impair_queue *q, uint64_t now_ns, uint32_t *handle);

#endif
