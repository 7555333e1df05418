/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Module fds on the control loop: a watched eventfd calls back with EPOLLIN,
 * a watch removed by another callback in the same batch is not called again,
 * a timerfd fires, and ctl_server_stop() ends ctl_server_run().
 */
#include "tap.h"

#include "sock.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct probe {
	struct ctl_server *srv;
	struct ctl_watch *self;
	struct ctl_watch *victim; /* unwatched by this probe's callback */
	int calls;
	int stop_after;
};

static void probe_cb(void *user, int fd, uint32_t events)
{
	struct probe *p = user;
	uint64_t v;

	p->calls++;
	if ((events & EPOLLIN) && read(fd, &v, sizeof(v)) < 0)
		return;
	if (p->victim != NULL) {
		ctl_server_unwatch(p->victim);
		p->victim = NULL;
	}
	if (p->stop_after > 0 && p->calls >= p->stop_after)
		ctl_server_stop(p->srv);
}

static struct ctl_server *server(char *dir, size_t len)
{
	struct ctl_server_config cfg = {
	    .instance = "w", .max_connections = 2, .max_request_bytes = 4096, .idle_timeout_s = 5};
	static char path[128];
	struct ctl_server *srv = NULL;

	snprintf(dir, len, "/tmp/ctlwatch.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/c.sock", dir);
	cfg.socket_path = path;
	if (ctl_server_create(&cfg, &srv) < 0)
		return NULL;
	if (ctl_server_listen(srv) < 0) {
		ctl_server_destroy(srv);
		return NULL;
	}
	return srv;
}

static void test_watch_fires_and_unwatch_in_batch(void)
{
	char dir[64];
	struct ctl_server *srv = server(dir, sizeof(dir));
	struct probe a = {0}, b = {0}, t = {0};
	int efa = eventfd(1, EFD_NONBLOCK), efb = eventfd(1, EFD_NONBLOCK);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct itimerspec its = {.it_value = {.tv_nsec = 20 * 1000 * 1000}};

	CHECK(srv != NULL);
	if (srv == NULL)
		return;
	a.srv = b.srv = t.srv = srv;
	CHECK_EQ(ctl_server_watch(srv, efa, EPOLLIN, probe_cb, &a, &a.self), 0);
	CHECK_EQ(ctl_server_watch(srv, efb, EPOLLIN, probe_cb, &b, &b.self), 0);
	/* Whichever of a and b runs first removes the other: exactly one is called. */
	a.victim = b.self;
	b.victim = a.self;
	t.stop_after = 1;
	CHECK_EQ(ctl_server_watch(srv, tfd, EPOLLIN, probe_cb, &t, &t.self), 0);
	CHECK_EQ(timerfd_settime(tfd, 0, &its, NULL), 0);
	CHECK_EQ(ctl_server_watch(srv, -1, EPOLLIN, probe_cb, &t, &t.self), -EINVAL);
	CHECK_EQ(ctl_server_run(srv), 0);
	CHECK_EQ(a.calls + b.calls, 1);
	CHECK_EQ(t.calls, 1);
	/* Modify and unwatch of a live watch; unwatch of NULL is a no-op. */
	CHECK_EQ(ctl_server_watch_modify(t.self, EPOLLIN | EPOLLOUT), 0);
	ctl_server_unwatch(t.self);
	CHECK_EQ(ctl_server_watch_modify(t.self, EPOLLIN), -EINVAL);
	ctl_server_unwatch(NULL);
	ctl_server_destroy(srv); /* frees the dead and the live watches */
	close(efa);
	close(efb);
	close(tfd);
	rmdir(dir);
}

int main(void)
{
	RUN(test_watch_fires_and_unwatch_in_batch);
	return tap_done();
}
