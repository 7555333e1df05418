/* SPDX-License-Identifier: BSD-3-Clause */
#include "eal.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t eal_free_hugepages(const char *sysfs_root)
{
	DIR *d = opendir(sysfs_root);
	struct dirent *e;
	uint64_t total = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[512];
		unsigned long long n = 0;
		FILE *f;

		if (strncmp(e->d_name, "hugepages-", 10) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/free_hugepages", sysfs_root, e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%llu", &n) == 1)
			total += n;
		fclose(f);
	}
	closedir(d);
	return total;
}

bool eal_args_has(const struct eal_args *args, const char *name)
{
	size_t n = strlen(name);

	for (int i = 1; i < args->argc; i++)
		if (strncmp(args->argv[i], name, n) == 0 &&
		    (args->argv[i][n] == '\0' || args->argv[i][n] == '='))
			return true;
	return false;
}

static int push(struct eal_args *out, char *arg)
{
	if (out->argc >= EAL_MAX_ARGS - 1)
		return -E2BIG;
	out->argv[out->argc++] = arg;
	out->argv[out->argc] = NULL;
	return 0;
}

int eal_args_complete(struct eal_args *out, int argc, char **argv, const char *instance,
		      bool have_hugepages)
{
	bool vdev = false, pci_choice = false;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < argc && rc == 0; i++) {
		rc = push(out, argv[i]);
		if (strncmp(argv[i], "--vdev", 6) == 0)
			vdev = true;
		if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "-b") == 0 ||
		    strncmp(argv[i], "--allow", 7) == 0 || strncmp(argv[i], "--block", 7) == 0 ||
		    strncmp(argv[i], "--no-pci", 8) == 0)
			pci_choice = true;
	}
	if (rc != 0)
		return rc;

	if (!eal_args_has(out, "--file-prefix") && !eal_args_has(out, "--in-memory")) {
		snprintf(out->storage[0], sizeof(out->storage[0]), "--file-prefix=pop-%s",
			 instance);
		rc = push(out, out->storage[0]);
	}
	if (rc == 0 && !have_hugepages && !eal_args_has(out, "--no-huge") &&
	    !eal_args_has(out, "-m") && !eal_args_has(out, "--socket-mem")) {
		strcpy(out->storage[1], "--no-huge");
		strcpy(out->storage[2], "-m");
		strcpy(out->storage[3], "1024");
		rc = push(out, out->storage[1]);
		if (rc == 0)
			rc = push(out, out->storage[2]);
		if (rc == 0)
			rc = push(out, out->storage[3]);
	}
	if (rc == 0 && vdev && !pci_choice) {
		static char no_pci[] = "--no-pci";
		rc = push(out, no_pci);
	}
	return rc;
}
