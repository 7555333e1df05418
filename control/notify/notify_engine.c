/* SPDX-License-Identifier: BSD-3-Clause */
/* The NOTIFY engine: pending notifications, their sends and retries, the responses. */
#include "notify_pvt.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct entry {
	char zone_id[33];
	struct notify_target target;
	uint8_t apex[255];
	size_t apex_len;
	uint8_t msg[NOTIFY_MSG_MAX];
	size_t msg_len;
	uint32_t serial;
	uint16_t id;
	unsigned tries;
	int64_t next_due_ms;
	int64_t last_sent_wall_ms;
	int rcode;
	bool pending, acked, seen;
};

struct notify_engine {
	struct entry *entries[NOTIFY_MAX_ENTRIES];
	size_t n;
	notify_clock_fn *clock;
	int fd4, fd6, timer_fd;
	struct ctl_watch *w4, *w6, *wt;
	struct notify_stats stats;
};

static int64_t mono_ms(void)
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

static uint16_t new_id(void)
{
	uint16_t id;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != (ssize_t)sizeof(id))
		id = (uint16_t)(mono_ms() * 2654435761u >> 7);
	return id;
}

static void on_fd(void *user, int fd, uint32_t events)
{
	uint64_t ticks;

	(void)events;
	if (fd == ((struct notify_engine *)user)->timer_fd && read(fd, &ticks, sizeof(ticks)) < 0 &&
	    errno != EAGAIN)
		NOTIFY_LOG(WARNING, "timerfd: %s", strerror(errno));
	notify_engine_poll(user);
}

static int udp_socket(int family)
{
	int fd =
	    socket(family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd >= 0 && family == 6) {
		int on = 1;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	}
	return fd;
}

int notify_engine_new(struct ctl_server *srv, notify_clock_fn *clock, struct notify_engine **out)
{
	struct notify_engine *e = calloc(1, sizeof(*e));
	int rc = 0;

	if (e == NULL)
		return -ENOMEM;
	e->clock = clock != NULL ? clock : mono_ms;
	e->fd4 = udp_socket(4);
	e->fd6 = udp_socket(6); /* may be -1: a kernel without IPv6 */
	e->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (e->fd4 < 0 || e->timer_fd < 0)
		rc = -errno;
	if (rc == 0 && srv != NULL) {
		rc = ctl_server_watch(srv, e->fd4, EPOLLIN, on_fd, e, &e->w4);
		if (rc == 0 && e->fd6 >= 0)
			rc = ctl_server_watch(srv, e->fd6, EPOLLIN, on_fd, e, &e->w6);
		if (rc == 0)
			rc = ctl_server_watch(srv, e->timer_fd, EPOLLIN, on_fd, e, &e->wt);
	}
	if (rc < 0) {
		notify_engine_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

void notify_engine_free(struct notify_engine *e)
{
	if (e == NULL)
		return;
	ctl_server_unwatch(e->w4);
	ctl_server_unwatch(e->w6);
	ctl_server_unwatch(e->wt);
	if (e->fd4 >= 0)
		close(e->fd4);
	if (e->fd6 >= 0)
		close(e->fd6);
	if (e->timer_fd >= 0)
		close(e->timer_fd);
	for (size_t i = 0; i < e->n; i++)
		free(e->entries[i]);
	free(e);
}

void notify_engine_mark(struct notify_engine *e)
{
	for (size_t i = 0; i < e->n; i++)
		e->entries[i]->seen = false;
}

void notify_engine_sweep(struct notify_engine *e)
{
	size_t k = 0;

	for (size_t i = 0; i < e->n; i++) {
		if (e->entries[i]->seen)
			e->entries[k++] = e->entries[i];
		else
			free(e->entries[i]);
	}
	e->n = k;
}

static struct entry *find(const struct notify_engine *e, const char *zone_id,
			  const struct notify_target *t)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->entries[i]->zone_id, zone_id) == 0 &&
		    notify_target_equal(&e->entries[i]->target, t))
			return e->entries[i];
	return NULL;
}

int notify_engine_queue(struct notify_engine *e, const char *zone_id, const uint8_t *apex,
			size_t apex_len, uint32_t ttl, const uint8_t *rdata, size_t rdata_len,
			uint32_t serial, const struct notify_target *t, bool send)
{
	struct entry *en = find(e, zone_id, t);
	uint16_t id = new_id();
	int len;

	if (en == NULL) {
		size_t in_zone = 0;

		for (size_t i = 0; i < e->n; i++)
			in_zone += strcmp(e->entries[i]->zone_id, zone_id) == 0;
		if (e->n >= NOTIFY_MAX_ENTRIES || in_zone >= NOTIFY_MAX_TARGETS ||
		    strlen(zone_id) >= sizeof(en->zone_id) || apex_len > sizeof(en->apex)) {
			e->stats.dropped++;
			return -POP_ELIMIT;
		}
		en = calloc(1, sizeof(*en));
		if (en == NULL)
			return -ENOMEM;
		snprintf(en->zone_id, sizeof(en->zone_id), "%s", zone_id);
		en->target = *t;
		en->rcode = -1;
		en->serial = serial + 1u; /* differs: below treats it as new */
		e->entries[e->n++] = en;
	}
	en->seen = true;
	if (en->serial == serial)
		return 0;
	len = notify_build(en->msg, sizeof(en->msg), id, apex, apex_len, ttl, rdata, rdata_len);
	if (len < 0) {
		e->stats.dropped++;
		return len;
	}
	memcpy(en->apex, apex, apex_len);
	en->apex_len = apex_len;
	en->msg_len = (size_t)len;
	en->id = id;
	en->serial = serial;
	en->tries = 0;
	en->rcode = -1;
	en->acked = false;
	if (!send) {
		en->pending = false;
		return 0;
	}
	if (en->pending)
		e->stats.coalesced++;
	e->stats.queued++;
	en->pending = true;
	en->next_due_ms = e->clock();
	return 1;
}

static void send_one(struct notify_engine *e, struct entry *en, int64_t now)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (en->target.family == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(en->target.port);
		memcpy(&s6->sin6_addr, en->target.addr, 16);
		sl = sizeof(*s6);
		fd = e->fd6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(en->target.port);
		memcpy(&s4->sin_addr, en->target.addr, 4);
		sl = sizeof(*s4);
		fd = e->fd4;
	}
	en->tries++;
	if (fd < 0 || sendto(fd, en->msg, en->msg_len, 0, (struct sockaddr *)&ss, sl) < 0)
		e->stats.send_errors++;
	else
		e->stats.sent++;
	en->last_sent_wall_ms = wall_ms();
	int64_t wait = (int64_t)NOTIFY_FIRST_RETRY_MS << (en->tries - 1);

	en->next_due_ms = now + (wait > NOTIFY_MAX_RETRY_MS ? NOTIFY_MAX_RETRY_MS : wait);
}

static void receive(struct notify_engine *e, int fd)
{
	uint8_t buf[NOTIFY_MSG_MAX];

	for (int k = 0; fd >= 0 && k < 256; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct notify_reply r;
		struct notify_target from = {0};
		ssize_t got =
		    recvfrom(fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&ss, &sl);
		bool matched = false;

		if (got < 0)
			break;
		if (ss.ss_family == AF_INET6) {
			from.family = 6;
			memcpy(from.addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
			from.port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		} else {
			from.family = 4;
			memcpy(from.addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
			from.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		}
		if ((size_t)got <= sizeof(buf) && notify_parse_reply(buf, (size_t)got, &r) == 0) {
			for (size_t i = 0; i < e->n && !matched; i++) {
				struct entry *en = e->entries[i];

				if (!en->pending || en->id != r.id ||
				    !notify_target_equal(&en->target, &from) ||
				    (r.qname_len != 0 && (r.qname_len != en->apex_len ||
							  memcmp(r.qname, en->apex, r.qname_len))))
					continue;
				matched = true;
				en->pending = false;
				en->acked = true;
				en->rcode = r.rcode;
				e->stats.acked++;
				if (r.rcode != 0) {
					char t[64];

					notify_target_format(&en->target, t, sizeof(t));
					NOTIFY_LOG(
					    WARNING,
					    "NOTIFY of zone %s serial %u: %s answered RCODE %u",
					    en->zone_id, en->serial, t, r.rcode);
				}
			}
		}
		if (!matched)
			e->stats.unmatched++;
	}
}

void notify_engine_poll(struct notify_engine *e)
{
	int64_t now = e->clock(), next = -1;
	struct itimerspec its = {0};

	receive(e, e->fd4);
	receive(e, e->fd6);
	for (size_t i = 0; i < e->n; i++) {
		struct entry *en = e->entries[i];

		if (!en->pending)
			continue;
		if (en->next_due_ms <= now) {
			if (en->tries >= NOTIFY_MAX_TRIES) {
				char t[64];

				en->pending = false;
				e->stats.expired++;
				notify_target_format(&en->target, t, sizeof(t));
				NOTIFY_LOG(WARNING,
					   "NOTIFY of zone %s serial %u: no answer from %s "
					   "after %u tries",
					   en->zone_id, en->serial, t, en->tries);
				continue;
			}
			send_one(e, en, now);
		}
		if (next < 0 || en->next_due_ms < next)
			next = en->next_due_ms;
	}
	if (e->timer_fd < 0)
		return;
	if (next >= 0) {
		/* The timerfd runs on CLOCK_MONOTONIC: re-base a test clock on it. */
		int64_t at = mono_ms() + (next - now);

		if (at < 1)
			at = 1;
		its.it_value.tv_sec = at / 1000;
		its.it_value.tv_nsec = (at % 1000) * 1000000;
	}
	timerfd_settime(e->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

int notify_engine_status(const struct notify_engine *e, const char *zone_id,
			 const struct notify_target *t, struct notify_status *out)
{
	const struct entry *en = find(e, zone_id, t);

	if (en == NULL)
		return -ENOENT;
	out->serial = en->serial;
	out->last_sent_ms = en->last_sent_wall_ms;
	out->tries = en->tries;
	out->pending = en->pending;
	out->acked = en->acked;
	out->rcode = en->rcode;
	return 0;
}

void notify_engine_stats(const struct notify_engine *e, struct notify_stats *out)
{
	*out = e->stats;
}
