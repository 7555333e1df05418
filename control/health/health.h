/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file health.h
 * popd's health checkers: Route 53's HTTP, HTTPS and TCP checks run from
 * popd's one control thread (libcurl's multi socket interface and
 * non-blocking connect() on fds watched by the control loop, one timerfd),
 * their threshold logic, the checkers' vote, calculated and
 * routing-control checks, and the write of each check's status into the
 * live-state segment (TABLES_LIVE_HEALTH), with no table rebuild.
 *
 * # The rules (Route 53's)
 * - Each checker (a source address, named by a region label) probes a
 *   target once per RequestInterval, never faster, and changes its own view
 *   only after FailureThreshold consecutive results against it; its first
 *   result sets its view at once.
 * - HTTP and HTTPS are healthy on a 2xx or 3xx status within the
 *   response-time budget; the *_STR_MATCH kinds also need SearchString in
 *   the first HEALTH_BODY_BYTES bytes of the body. TCP is healthy when the
 *   connection is made within the budget.
 * - A check is healthy when more than `healthy_share_percent` of the
 *   checkers that have a result say so (Route 53: 18%); with no result yet
 *   its status is HEALTH_UNKNOWN (the data plane treats it as healthy,
 *   as Route 53 treats a new check).
 * - Inverted flips healthy and unhealthy. Disabled stops probing; the check
 *   is then healthy (unhealthy when also inverted).
 * - Calculated: healthy when at least HealthThreshold of its children are
 *   healthy (a child with no result yet counts as healthy).
 * - Recovery control: healthy while its routing control is on.
 * - A forced status (the operator's override) wins over all of that until
 *   released.
 *
 * # Threads
 * The pure functions (health_threshold_step() ... health_calculated()) may
 * be called from any thread. The engine is popd's control thread only.
 */
#ifndef POP_HEALTH_H
#define POP_HEALTH_H

#include "sock.h"
#include "tables.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Statuses, as in the live-state segment. */
#define HEALTH_UNKNOWN	 TABLES_HEALTH_UNKNOWN
#define HEALTH_HEALTHY	 TABLES_HEALTH_HEALTHY
#define HEALTH_UNHEALTHY TABLES_HEALTH_UNHEALTHY

/** Route 53 searches this much of a response body for SearchString. */
#define HEALTH_BODY_BYTES 5120u
/** Most checks one engine runs (a configured bound of popd). */
#define HEALTH_MAX_CHECKS 4096u
/** Most checkers (source addresses). */
#define HEALTH_MAX_CHECKERS 16u
/** Most children of a calculated check. */
#define HEALTH_MAX_CHILDREN 256u
/** Route 53's share: a check is healthy when more than 18% of its checkers say so. */
#define HEALTH_DEFAULT_SHARE_PERCENT 18u
/** Route 53's budget: 4 s to connect and 2 s for the status; never more than the interval. */
#define HEALTH_DEFAULT_BUDGET_MS 6000u

enum health_type {
	HEALTH_HTTP,
	HEALTH_HTTPS,
	HEALTH_TCP,
	HEALTH_CALCULATED,
	HEALTH_RECOVERY_CONTROL,
};

/** One check's configuration, as the engine needs it. */
struct health_config {
	enum health_type type;
	bool str_match;		   /**< HTTP(S)_STR_MATCH */
	char search[256];	   /**< SearchString */
	char ip[46];		   /**< IPAddress, "" when absent */
	uint16_t port;		   /**< 0: 80 or 443 */
	char fqdn[256];		   /**< FullyQualifiedDomainName, "" when absent */
	char path[256];		   /**< ResourcePath, "" for "/" */
	uint32_t interval_ms;	   /**< RequestInterval */
	uint32_t threshold;	   /**< FailureThreshold, 1..10 */
	bool inverted, disabled;   /**< Inverted, Disabled */
	bool sni;		   /**< EnableSNI */
	uint32_t health_threshold; /**< calculated: HealthThreshold */
	size_t n_children;	   /**< calculated: ChildHealthChecks */
	char children[HEALTH_MAX_CHILDREN][65];
	uint32_t control_slot; /**< recovery control: TABLES_LIVE_ROUTING_CONTROL slot */
};

/** One checker: a region label and the source address it probes from ("" any). */
struct health_checker {
	char region[32];
	char source[46];
};

/* ------------------------------------------------------------- pure logic */

/** One checker's view of one target. */
struct health_view {
	uint8_t status; /**< HEALTH_* */
	uint8_t run;	/**< consecutive results against status */
};

/**
 * Take one probe result into a checker's view: the first result sets it;
 * later, @p threshold consecutive results against it flip it.
 * @return the view's status after the result.
 */
uint8_t health_threshold_step(struct health_view *v, bool ok, unsigned threshold);

/**
 * The checkers' vote: HEALTHY when more than @p share_percent of the
 * statuses that are known are HEALTHY, UNHEALTHY when some are known,
 * UNKNOWN when none is.
 */
uint8_t health_vote(const uint8_t *statuses, size_t n, unsigned share_percent);

/** Apply Inverted and Disabled to a raw status (UNKNOWN stays UNKNOWN unless disabled). */
uint8_t health_finish(uint8_t raw, bool inverted, bool disabled);

/** A calculated check: HEALTHY when at least @p threshold children are healthy or unknown. */
uint8_t health_calculated(const uint8_t *children, size_t n, unsigned threshold);

/* ----------------------------------------------------------------- engine */

struct health_engine;

/** Status reports of one check, per checker, for GetHealthCheckStatus. */
struct health_observation {
	char region[32];
	char source[46];
	char report[200]; /**< "Success: HTTP Status Code 200" ... */
	int64_t checked_unix_ms;
};

/**
 * Create an engine that probes on @p srv's loop and writes @p live.
 * @return 0 and *out, or a negative error.
 */
int health_engine_new(struct ctl_server *srv, struct tables_live *live, struct health_engine **out);

/** Stop every probe, unwatch, free. NULL is ignored. */
void health_engine_free(struct health_engine *e);

/**
 * Set the checkers and the share (percent, 0..99) and the response-time
 * budget (ms, capped per check by its interval). Checks keep their status;
 * each checker's view starts from it.
 */
int health_engine_set_checkers(struct health_engine *e, const struct health_checker *c, size_t n,
			       unsigned share_percent, uint32_t budget_ms);

/**
 * Add or replace the check @p id on live-state slot @p slot. A new check
 * starts probing at once; when its slot already holds a status (a popd
 * restart) the checkers' views start from it. A replaced check keeps its
 * views. @return 0, -POP_ELIMIT, -ENOMEM.
 */
int health_engine_put(struct health_engine *e, const char *id, uint32_t slot,
		      const struct health_config *cfg);

/** Remove a check: its probes stop; its slot reads UNKNOWN. -ENOENT if unknown. */
int health_engine_remove(struct health_engine *e, const char *id);

/**
 * Verify HTTPS targets' certificates (against the system's CA store, and the
 * name: FullyQualifiedDomainName, else IPAddress) from the next probe on.
 * Off by default, as in Route 53.
 */
void health_engine_set_verify(struct health_engine *e, bool verify);

/** Remove every check whose id is not among @p ids (the store's). */
void health_engine_retain(struct health_engine *e, const char (*ids)[65], size_t n);

/** Is @p id a check of this engine? */
bool health_engine_has(const struct health_engine *e, const char *id);

/** Force a status (HEALTH_HEALTHY/UNHEALTHY), or release with HEALTH_UNKNOWN. -ENOENT. */
int health_engine_force(struct health_engine *e, const char *id, uint8_t status);

/** Re-evaluate calculated and routing-control checks now (a control changed). */
void health_engine_refresh(struct health_engine *e);

/** The check's status now (HEALTH_*), or -ENOENT. */
int health_engine_status(const struct health_engine *e, const char *id);

/**
 * The latest report of each checker of a check (checkers with no result
 * yet are left out). @return how many were written to @p out (at most
 * @p max), or -ENOENT.
 */
int health_engine_observations(const struct health_engine *e, const char *id,
			       struct health_observation *out, size_t max);

/** Probes started and finished, for stats. */
void health_engine_counters(const struct health_engine *e, uint64_t *started, uint64_t *ok,
			    uint64_t *failed);

#endif /* POP_HEALTH_H */
