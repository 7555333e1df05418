/* SPDX-License-Identifier: BSD-3-Clause */
#include "sdnotify.h"
#include "tap.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void test_no_socket_is_a_no_op(void)
{
	unsetenv("NOTIFY_SOCKET");
	CHECK_EQ(sdnotify_send("READY=1"), 1);
	setenv("NOTIFY_SOCKET", "", 1);
	CHECK_EQ(sdnotify_send("READY=1"), 1);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	CHECK_EQ(sdnotify_send("READY=1"), -EINVAL);
	unsetenv("NOTIFY_SOCKET");
}

/* A listener bound like the service manager's; returns the fd. */
static int listen_at(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	memcpy(sa.sun_path, name, len);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	if (bind(fd, (struct sockaddr *)&sa,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (name[0] == '/'))) !=
	    0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[64] = {0};
	ssize_t got = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	CHECK_EQ(got, (ssize_t)strlen(want));
	CHECK(strcmp(buf, want) == 0);
}

static void test_path_socket_receives_the_state(void)
{
	char dir[] = "/tmp/sdnotify-XXXXXX", path[128];
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listen_at(path);
	CHECK(fd >= 0);
	setenv("NOTIFY_SOCKET", path, 1);
	CHECK_EQ(sdnotify_send("READY=1"), 0);
	expect_datagram(fd, "READY=1");
	CHECK_EQ(sdnotify_send("WATCHDOG=1"), 0);
	expect_datagram(fd, "WATCHDOG=1");
	close(fd);
	/* Nobody listening any more: the error comes back, nothing blocks. */
	CHECK(sdnotify_send("WATCHDOG=1") < 0);
	unlink(path);
	rmdir(dir);
	unsetenv("NOTIFY_SOCKET");
}

static void test_abstract_socket_receives_the_state(void)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "@pop-sdnotify-test-%d", (int)getpid());
	fd = listen_at(name);
	CHECK(fd >= 0);
	setenv("NOTIFY_SOCKET", name, 1);
	CHECK_EQ(sdnotify_send("STOPPING=1"), 0);
	expect_datagram(fd, "STOPPING=1");
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void test_watchdog_parsing(void)
{
	uint64_t us = 99;

	CHECK_EQ(sdnotify_parse_watchdog(NULL, NULL, 10, &us), 0);
	CHECK_EQ(us, 0);
	CHECK_EQ(sdnotify_parse_watchdog("30000000", NULL, 10, &us), 0);
	CHECK_EQ(us, 30000000);
	CHECK_EQ(sdnotify_parse_watchdog("30000000", "10", 10, &us), 0);
	CHECK_EQ(us, 30000000);
	/* For another process of the unit: not ours to ping. */
	CHECK_EQ(sdnotify_parse_watchdog("30000000", "11", 10, &us), 0);
	CHECK_EQ(us, 0);
	CHECK_EQ(sdnotify_parse_watchdog("0", NULL, 10, &us), -EINVAL);
	CHECK_EQ(sdnotify_parse_watchdog("-5", NULL, 10, &us), -EINVAL);
	CHECK_EQ(sdnotify_parse_watchdog("12x", NULL, 10, &us), -EINVAL);
	CHECK_EQ(sdnotify_parse_watchdog(" 12", NULL, 10, &us), -EINVAL);
	CHECK_EQ(sdnotify_parse_watchdog("99999999999999999999999", NULL, 10, &us), -EINVAL);
	CHECK_EQ(sdnotify_parse_watchdog("86400000001", NULL, 10, &us), -EINVAL);
	CHECK_EQ(sdnotify_parse_watchdog("5000000", "ten", 10, &us), -EINVAL);
	CHECK_EQ(us, 0);
	setenv("WATCHDOG_USEC", "4000000", 1);
	unsetenv("WATCHDOG_PID");
	CHECK_EQ(sdnotify_watchdog_us(), 4000000);
	setenv("WATCHDOG_USEC", "junk", 1);
	CHECK_EQ(sdnotify_watchdog_us(), 0);
	unsetenv("WATCHDOG_USEC");
}

int main(void)
{
	RUN(test_no_socket_is_a_no_op);
	RUN(test_path_socket_receives_the_state);
	RUN(test_abstract_socket_receives_the_state);
	RUN(test_watchdog_parsing);
	return tap_done();
}
