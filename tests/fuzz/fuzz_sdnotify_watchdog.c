/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the service manager's watchdog settings ($WATCHDOG_USEC,
 * $WATCHDOG_PID) as sdnotify parses them. The input is the two values
 * separated by a newline. A value is accepted only inside its bounds.
 */
#include "sdnotify.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *pid = NULL, *nl;
	uint64_t us = 1;
	int rc;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	nl = strchr(text, '\n');
	if (nl != NULL) {
		*nl = '\0';
		pid = nl + 1;
	}
	rc = sdnotify_parse_watchdog(text, pid, 4242, &us);
	if (rc < 0 && (rc != -EINVAL || us != 0))
		abort();
	if (rc == 0 && us > 86400ull * 1000000ull)
		abort();
	free(text);
	return 0;
}
