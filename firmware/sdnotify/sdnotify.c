/* SPDX-License-Identifier: BSD-3-Clause */
#include "sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int sdnotify_send(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t name_len, state_len = strlen(state);
	socklen_t sa_len;
	ssize_t sent;
	int fd, rc = 0;

	if (name == NULL || name[0] == '\0')
		return 1;
	name_len = strlen(name);
	if ((name[0] != '/' && name[0] != '@') || name_len >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, name, name_len);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	/* An abstract name is counted, not terminated. */
	sa_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + name_len + (name[0] == '/'));

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sent = sendto(fd, state, state_len, MSG_NOSIGNAL, (struct sockaddr *)&sa, sa_len);
	if (sent < 0)
		rc = -errno;
	else if ((size_t)sent != state_len)
		rc = -EMSGSIZE;
	close(fd);
	return rc;
}

static int parse_whole(const char *text, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || *out > max)
		return -EINVAL;
	return 0;
}

int sdnotify_parse_watchdog(const char *usec_text, const char *pid_text, pid_t self,
			    uint64_t *out_us)
{
	unsigned long long usec, pid;

	*out_us = 0;
	if (usec_text == NULL || usec_text[0] == '\0')
		return 0;
	/* A watchdog of more than a day is a typo, not a setting. */
	if (parse_whole(usec_text, 86400ull * 1000000ull, &usec) < 0 || usec == 0)
		return -EINVAL;
	if (pid_text != NULL && pid_text[0] != '\0') {
		if (parse_whole(pid_text, 0x7fffffffull, &pid) < 0)
			return -EINVAL;
		if ((pid_t)pid != self)
			return 0; /* meant for another process of the service */
	}
	*out_us = usec;
	return 0;
}

uint64_t sdnotify_watchdog_us(void)
{
	uint64_t us;

	if (sdnotify_parse_watchdog(getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID"), getpid(),
				    &us) < 0)
		return 0;
	return us;
}
