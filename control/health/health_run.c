/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The checkers at work: every probe of every check runs on popd's control
 * loop. HTTP, HTTPS and TCP (a connect-only transfer) all go through one
 * libcurl multi handle driven by its socket API, so no probe holds a
 * thread; one timerfd wakes the loop for the next probe due or for
 * libcurl's own timeout, whichever is first.
 */
#include "health_pvt.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct check;

struct probe {
	struct check *check;
	struct health_engine *engine;
	unsigned checker;
	struct health_view view;
	int64_t next_due_ms; /* monotonic */
	CURL *easy;	     /* non-NULL while in flight */
	struct curl_slist *headers;
	char *body; /* HEALTH_BODY_BYTES while a string is searched */
	size_t body_len;
	bool enough; /* the transfer was cut on purpose: status (and body) in hand */
	bool have_obs;
	struct health_observation obs;
};

struct check {
	char id[65];
	uint32_t slot;
	uint8_t status; /* as last written to the live state */
	uint8_t forced; /* HEALTH_UNKNOWN: none */
	struct health_config cfg;
	struct probe probes[HEALTH_MAX_CHECKERS];
};

struct health_engine {
	struct ctl_server *srv;
	struct tables_live *live;
	struct check **checks;
	size_t n, cap;
	struct health_checker checkers[HEALTH_MAX_CHECKERS];
	size_t n_checkers;
	unsigned share_percent;
	uint32_t budget_ms;
	bool verify_tls;
	CURLM *multi;
	int timer_fd;
	struct ctl_watch *timer_watch;
	int64_t curl_deadline_ms; /* -1: none */
	uint64_t started, ok, failed;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool probes_run(const struct check *c)
{
	return !c->cfg.disabled && (c->cfg.type == HEALTH_HTTP || c->cfg.type == HEALTH_HTTPS ||
				    c->cfg.type == HEALTH_TCP);
}

static struct check *find(const struct health_engine *e, const char *id)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->checks[i]->id, id) == 0)
			return e->checks[i];
	return NULL;
}

static const char *status_name(uint8_t s)
{
	return s == HEALTH_HEALTHY ? "healthy" : s == HEALTH_UNHEALTHY ? "unhealthy" : "unknown";
}

static uint8_t compute(const struct health_engine *e, const struct check *c)
{
	uint8_t s[HEALTH_MAX_CHILDREN];
	size_t n = 0;

	if (c->forced != HEALTH_UNKNOWN)
		return c->forced;
	if (c->cfg.disabled)
		return health_finish(HEALTH_UNKNOWN, c->cfg.inverted, true);
	switch (c->cfg.type) {
	case HEALTH_CALCULATED:
		for (size_t i = 0; i < c->cfg.n_children; i++) {
			const struct check *child = find(e, c->cfg.children[i]);
			s[n++] = child != NULL ? child->status : HEALTH_UNKNOWN;
		}
		return health_finish(health_calculated(s, n, c->cfg.health_threshold),
				     c->cfg.inverted, false);
	case HEALTH_RECOVERY_CONTROL:
		return health_finish(
		    tables_live_get(e->live, TABLES_LIVE_ROUTING_CONTROL, c->cfg.control_slot) != 0
			? HEALTH_HEALTHY
			: HEALTH_UNHEALTHY,
		    c->cfg.inverted, false);
	default:
		for (size_t i = 0; i < e->n_checkers; i++)
			s[n++] = c->probes[i].view.status;
		return health_finish(health_vote(s, n, e->share_percent), c->cfg.inverted, false);
	}
}

static void write_status(struct health_engine *e, struct check *c, uint8_t s)
{
	if (s == c->status)
		return;
	HEALTH_LOG(NOTICE, "health check %s: %s -> %s", c->id, status_name(c->status),
		   status_name(s));
	c->status = s;
	if (tables_live_set(e->live, TABLES_LIVE_HEALTH, c->slot, s) < 0)
		HEALTH_LOG(ERR, "health check %s: cannot write live-state slot %u", c->id, c->slot);
}

/* Checks that depend on others or on routing controls: one pass (they do not nest). */
static void refresh_derived(struct health_engine *e)
{
	for (size_t i = 0; i < e->n; i++) {
		struct check *c = e->checks[i];
		if (c->cfg.type == HEALTH_CALCULATED || c->cfg.type == HEALTH_RECOVERY_CONTROL)
			write_status(e, c, compute(e, c));
	}
}

static void update(struct health_engine *e, struct check *c)
{
	uint8_t before = c->status;

	write_status(e, c, compute(e, c));
	if (c->status != before)
		refresh_derived(e);
}

static void probe_end(struct probe *p)
{
	if (p->easy != NULL) {
		curl_multi_remove_handle(p->engine->multi, p->easy);
		curl_easy_cleanup(p->easy);
		p->easy = NULL;
	}
	curl_slist_free_all(p->headers);
	p->headers = NULL;
	free(p->body);
	p->body = NULL;
	p->body_len = 0;
	p->enough = false;
}

static void probe_result(struct probe *p, bool ok, const char *report)
{
	struct health_engine *e = p->engine;
	struct check *c = p->check;

	p->have_obs = true;
	snprintf(p->obs.region, sizeof(p->obs.region), "%s", e->checkers[p->checker].region);
	snprintf(p->obs.source, sizeof(p->obs.source), "%s", e->checkers[p->checker].source);
	snprintf(p->obs.report, sizeof(p->obs.report), "%s", report);
	p->obs.checked_unix_ms = wall_ms();
	health_threshold_step(&p->view, ok, c->cfg.threshold);
	if (ok)
		e->ok++;
	else
		e->failed++;
	HEALTH_LOG(DEBUG, "health check %s from %s: %s", c->id, p->obs.region, report);
	update(e, c);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct probe *p = user;
	size_t n = size * nmemb, take;

	if (p->body == NULL) {
		p->enough = true; /* the status is all that counts */
		return 0;
	}
	take = HEALTH_BODY_BYTES - p->body_len;
	if (take > n)
		take = n;
	memcpy(p->body + p->body_len, data, take);
	p->body_len += take;
	if (p->body_len < HEALTH_BODY_BYTES)
		return n;
	p->enough = true; /* Route 53 reads no further */
	return 0;
}

static void host_part(const char *host, char *out, size_t len)
{
	snprintf(out, len, strchr(host, ':') != NULL ? "[%s]" : "%s", host);
}

static int probe_start(struct health_engine *e, struct probe *p, int64_t now)
{
	const struct health_config *cfg = &p->check->cfg;
	bool https = cfg->type == HEALTH_HTTPS;
	unsigned port = cfg->port != 0 ? cfg->port : https ? 443 : 80;
	uint32_t budget = e->budget_ms < cfg->interval_ms ? e->budget_ms : cfg->interval_ms;
	char url[800], host[300], ip[60], line[400];
	const char *source = e->checkers[p->checker].source;
	CURL *h;

	p->next_due_ms = now + cfg->interval_ms;
	h = curl_easy_init();
	if (h == NULL)
		return -ENOMEM;
	if (cfg->str_match && (p->body = malloc(HEALTH_BODY_BYTES)) == NULL) {
		curl_easy_cleanup(h);
		return -ENOMEM;
	}
	host_part(cfg->ip, ip, sizeof(ip));
	if (cfg->fqdn[0] != '\0' && (cfg->ip[0] == '\0' || !https || cfg->sni)) {
		/* By name (Host and SNI); to the given address when there is one. */
		snprintf(host, sizeof(host), "%s", cfg->fqdn);
		if (cfg->ip[0] != '\0') {
			snprintf(line, sizeof(line), "%s:%u:%s:%u", cfg->fqdn, port, ip, port);
			p->headers = curl_slist_append(NULL, line);
			curl_easy_setopt(h, CURLOPT_CONNECT_TO, p->headers);
		}
	} else {
		snprintf(host, sizeof(host), "%s", ip);
		if (cfg->fqdn[0] != '\0') {
			/* HTTPS without SNI: the name goes in Host only. */
			struct curl_slist *hdr;
			snprintf(line, sizeof(line), "Host: %s", cfg->fqdn);
			hdr = curl_slist_append(NULL, line);
			curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
			p->headers = hdr;
		}
	}
	snprintf(url, sizeof(url), "%s://%s:%u%s%s", https ? "https" : "http", host, port,
		 cfg->path[0] == '/' ? "" : "/", cfg->type == HEALTH_TCP ? "" : cfg->path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PRIVATE, p);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)budget);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(budget < 4000 ? budget : 4000));
	curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	if (source[0] != '\0') {
		snprintf(line, sizeof(line), "host!%s", source);
		curl_easy_setopt(h, CURLOPT_INTERFACE, line);
	}
	if (cfg->type == HEALTH_TCP) {
		curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, p);
		curl_easy_setopt(h, CURLOPT_USERAGENT, "pop-health-check");
		/* Route 53 checks reachability and status, not the certificate;
		 * the appliance can be told to. */
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, e->verify_tls ? 1L : 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, e->verify_tls ? 2L : 0L);
	}
	if (curl_multi_add_handle(e->multi, h) != CURLM_OK) {
		curl_easy_cleanup(h);
		free(p->body);
		p->body = NULL;
		return -ENOMEM;
	}
	p->easy = h;
	e->started++;
	return 0;
}

static void probe_done(struct health_engine *e, CURL *h, CURLcode code)
{
	struct probe *p = NULL;
	const struct health_config *cfg;
	char report[200];
	long status = 0;
	bool ok;

	curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&p);
	if (p == NULL)
		return;
	cfg = &p->check->cfg;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && p->enough)) {
		if (cfg->type == HEALTH_TCP) {
			ok = true;
			snprintf(report, sizeof(report), "Success: TCP connection established");
		} else if (status < 200 || status > 399) {
			ok = false;
			snprintf(report, sizeof(report), "Failure: HTTP Status Code %ld", status);
		} else if (cfg->str_match &&
			   (p->body == NULL || memmem(p->body, p->body_len, cfg->search,
						      strlen(cfg->search)) == NULL)) {
			ok = false;
			snprintf(
			    report, sizeof(report),
			    "Failure: HTTP Status Code %ld; the search string was not found in "
			    "the first %u bytes of the body",
			    status, HEALTH_BODY_BYTES);
		} else {
			ok = true;
			snprintf(report, sizeof(report), "Success: HTTP Status Code %ld", status);
		}
	} else {
		ok = false;
		snprintf(report, sizeof(report), "Failure: %s", curl_easy_strerror(code));
	}
	probe_end(p);
	probe_result(p, ok, report);
}

static void drain(struct health_engine *e)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(e->multi, &left)) != NULL)
		if (m->msg == CURLMSG_DONE)
			probe_done(e, m->easy_handle, m->data.result);
}

static void reschedule(struct health_engine *e)
{
	int64_t next = e->curl_deadline_ms;
	struct itimerspec its = {0};

	for (size_t i = 0; i < e->n; i++) {
		const struct check *c = e->checks[i];
		if (!probes_run(c))
			continue;
		for (size_t k = 0; k < e->n_checkers; k++)
			if (c->probes[k].easy == NULL &&
			    (next < 0 || c->probes[k].next_due_ms < next))
				next = c->probes[k].next_due_ms;
	}
	if (next >= 0) {
		if (next < 1)
			next = 1;
		its.it_value.tv_sec = next / 1000;
		its.it_value.tv_nsec = (next % 1000) * 1000000;
	}
	timerfd_settime(e->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void service(struct health_engine *e)
{
	int64_t now = now_ms();
	int running;

	if (e->curl_deadline_ms >= 0 && e->curl_deadline_ms <= now) {
		e->curl_deadline_ms = -1;
		curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		drain(e);
	}
	for (size_t i = 0; i < e->n; i++) {
		struct check *c = e->checks[i];
		if (!probes_run(c))
			continue;
		for (size_t k = 0; k < e->n_checkers; k++) {
			struct probe *p = &c->probes[k];
			if (p->easy != NULL || p->next_due_ms > now)
				continue;
			if (probe_start(e, p, now) < 0)
				probe_result(p, false, "Failure: popd is out of memory");
		}
	}
	reschedule(e);
}

static void on_timer(void *user, int fd, uint32_t events)
{
	uint64_t ticks;

	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		HEALTH_LOG(WARNING, "timerfd: %s", strerror(errno));
	service(user);
}

static void on_socket(void *user, int fd, uint32_t events)
{
	struct health_engine *e = user;
	int flags = 0, running;

	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(e->multi, fd, flags, &running);
	drain(e);
	reschedule(e);
}

static int curl_socket_cb(CURL *h, curl_socket_t s, int what, void *user, void *socketp)
{
	struct health_engine *e = user;
	struct ctl_watch *w = socketp;
	uint32_t events = 0;

	(void)h;
	if (what == CURL_POLL_REMOVE) {
		ctl_server_unwatch(w);
		curl_multi_assign(e->multi, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		events |= EPOLLOUT;
	if (w != NULL)
		return ctl_server_watch_modify(w, events) < 0 ? -1 : 0;
	if (ctl_server_watch(e->srv, s, events, on_socket, e, &w) < 0)
		return -1;
	curl_multi_assign(e->multi, s, w);
	return 0;
}

static int curl_timer_cb(CURLM *m, long timeout_ms, void *user)
{
	struct health_engine *e = user;

	(void)m;
	e->curl_deadline_ms = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	return 0;
}

int health_engine_new(struct ctl_server *srv, struct tables_live *live, struct health_engine **out)
{
	static bool curl_ready;
	struct health_engine *e;
	int rc;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return -ENOMEM;
		curl_ready = true;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	e->srv = srv;
	e->live = live;
	e->curl_deadline_ms = -1;
	e->share_percent = HEALTH_DEFAULT_SHARE_PERCENT;
	e->budget_ms = HEALTH_DEFAULT_BUDGET_MS;
	e->n_checkers = 1;
	snprintf(e->checkers[0].region, sizeof(e->checkers[0].region), "local");
	e->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	e->multi = curl_multi_init();
	if (e->timer_fd < 0 || e->multi == NULL) {
		rc = e->timer_fd < 0 ? -errno : -ENOMEM;
		health_engine_free(e);
		return rc;
	}
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
	if (srv != NULL) {
		rc = ctl_server_watch(srv, e->timer_fd, EPOLLIN, on_timer, e, &e->timer_watch);
		if (rc < 0) {
			health_engine_free(e);
			return rc;
		}
	}
	*out = e;
	return 0;
}

static void check_free(struct check *c, size_t n_checkers)
{
	for (size_t k = 0; k < n_checkers; k++)
		probe_end(&c->probes[k]);
	free(c);
}

void health_engine_free(struct health_engine *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->n; i++)
		check_free(e->checks[i], e->n_checkers);
	free(e->checks);
	if (e->multi != NULL)
		curl_multi_cleanup(e->multi);
	ctl_server_unwatch(e->timer_watch);
	if (e->timer_fd >= 0)
		close(e->timer_fd);
	free(e);
}

/*
 * A checker's view as it must have been for the check's status to be what it
 * is. Probes keep their next due time: a target is never hit faster than its
 * interval, whatever changed.
 */
static void views_from_status(struct health_engine *e, struct check *c, int64_t now)
{
	uint8_t raw = health_finish(c->status, c->cfg.inverted, false);

	for (size_t k = 0; k < HEALTH_MAX_CHECKERS; k++) {
		struct probe *p = &c->probes[k];
		int64_t due = p->engine != NULL ? p->next_due_ms : now;

		probe_end(p);
		memset(p, 0, sizeof(*p));
		p->check = c;
		p->engine = e;
		p->checker = (unsigned)k;
		p->view.status = raw;
		p->next_due_ms = due;
	}
}

int health_engine_set_checkers(struct health_engine *e, const struct health_checker *c, size_t n,
			       unsigned share_percent, uint32_t budget_ms)
{
	struct health_checker want[HEALTH_MAX_CHECKERS];
	size_t n_want = n != 0 ? n : 1;
	int64_t now = now_ms();

	if (n > HEALTH_MAX_CHECKERS || share_percent > 99 || budget_ms == 0)
		return -EINVAL;
	memset(want, 0, sizeof(want));
	if (n == 0)
		snprintf(want[0].region, sizeof(want[0].region), "local");
	else
		memcpy(want, c, n * sizeof(*c));
	e->share_percent = share_percent;
	e->budget_ms = budget_ms;
	/* The same checkers again (the store re-read after a commit): views go on. */
	if (n_want == e->n_checkers && memcmp(want, e->checkers, n_want * sizeof(*want)) == 0)
		return 0;
	memcpy(e->checkers, want, sizeof(want));
	e->n_checkers = n_want;
	for (size_t i = 0; i < e->n; i++)
		views_from_status(e, e->checks[i], now);
	reschedule(e);
	return 0;
}

int health_engine_put(struct health_engine *e, const char *id, uint32_t slot,
		      const struct health_config *cfg)
{
	struct check *c = find(e, id);
	int64_t now = now_ms();

	if (c != NULL) {
		/* The same config again (the store re-read after any commit): leave it be. */
		if (memcmp(&c->cfg, cfg, sizeof(*cfg)) == 0 && c->slot == slot)
			return 0;
		/* A probe in flight is dropped; the next starts one (new) interval
		 * after the last one started, not sooner. */
		for (size_t k = 0; k < HEALTH_MAX_CHECKERS; k++) {
			struct probe *p = &c->probes[k];
			probe_end(p);
			p->next_due_ms += (int64_t)cfg->interval_ms - (int64_t)c->cfg.interval_ms;
		}
		c->cfg = *cfg;
	} else {
		if (e->n >= HEALTH_MAX_CHECKS)
			return -POP_ELIMIT;
		if (e->n == e->cap) {
			size_t cap = e->cap ? e->cap * 2 : 16;
			struct check **a = realloc(e->checks, cap * sizeof(*a));
			if (a == NULL)
				return -ENOMEM;
			e->checks = a;
			e->cap = cap;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			return -ENOMEM;
		snprintf(c->id, sizeof(c->id), "%s", id);
		c->slot = slot;
		c->cfg = *cfg;
		/* After a popd restart the live state still holds the status: go on from it. */
		c->status = (uint8_t)tables_live_get(e->live, TABLES_LIVE_HEALTH, slot);
		if (c->status > HEALTH_UNHEALTHY)
			c->status = HEALTH_UNKNOWN;
		views_from_status(e, c, now);
		e->checks[e->n++] = c;
	}
	update(e, c);
	refresh_derived(e);
	service(e);
	return 0;
}

int health_engine_remove(struct health_engine *e, const char *id)
{
	for (size_t i = 0; i < e->n; i++) {
		struct check *c = e->checks[i];
		if (strcmp(c->id, id) != 0)
			continue;
		tables_live_set(e->live, TABLES_LIVE_HEALTH, c->slot, HEALTH_UNKNOWN);
		check_free(c, HEALTH_MAX_CHECKERS);
		e->checks[i] = e->checks[--e->n];
		refresh_derived(e);
		reschedule(e);
		return 0;
	}
	return -ENOENT;
}

void health_engine_set_verify(struct health_engine *e, bool verify)
{
	e->verify_tls = verify;
}

void health_engine_retain(struct health_engine *e, const char (*ids)[65], size_t n)
{
	for (size_t i = e->n; i-- > 0;) {
		bool keep = false;
		for (size_t k = 0; k < n && !keep; k++)
			keep = strcmp(ids[k], e->checks[i]->id) == 0;
		if (!keep)
			health_engine_remove(e, e->checks[i]->id);
	}
}

bool health_engine_has(const struct health_engine *e, const char *id)
{
	return find(e, id) != NULL;
}

int health_engine_force(struct health_engine *e, const char *id, uint8_t status)
{
	struct check *c = find(e, id);

	if (c == NULL)
		return -ENOENT;
	c->forced = status;
	update(e, c);
	return 0;
}

void health_engine_refresh(struct health_engine *e)
{
	refresh_derived(e);
}

int health_engine_status(const struct health_engine *e, const char *id)
{
	const struct check *c = find(e, id);

	return c != NULL ? c->status : -ENOENT;
}

int health_engine_observations(const struct health_engine *e, const char *id,
			       struct health_observation *out, size_t max)
{
	const struct check *c = find(e, id);
	size_t n = 0;

	if (c == NULL)
		return -ENOENT;
	for (size_t k = 0; k < e->n_checkers && n < max; k++)
		if (c->probes[k].have_obs)
			out[n++] = c->probes[k].obs;
	return (int)n;
}

void health_engine_counters(const struct health_engine *e, uint64_t *started, uint64_t *ok,
			    uint64_t *failed)
{
	*started = e->started;
	*ok = e->ok;
	*failed = e->failed;
}
