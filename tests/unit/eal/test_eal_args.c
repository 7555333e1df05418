/* SPDX-License-Identifier: BSD-3-Clause */
#include "eal.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int count(const struct eal_args *a, const char *s)
{
	int n = 0;
	for (int i = 0; i < a->argc; i++)
		n += strcmp(a->argv[i], s) == 0;
	return n;
}

static void test_defaults_added_without_hugepages(void)
{
	char *argv[] = {"popdp", "-l", "0-1", "--vdev=net_af_xdp0,iface=xa", NULL};
	struct eal_args a;

	CHECK_EQ(eal_args_complete(&a, 4, argv, "lab1", false), 0);
	CHECK_EQ(count(&a, "--file-prefix=pop-lab1"), 1);
	CHECK_EQ(count(&a, "--no-huge"), 1);
	CHECK_EQ(count(&a, "-m"), 1);
	CHECK_EQ(count(&a, "--no-pci"), 1);
	CHECK(a.argv[a.argc] == NULL);
	CHECK(strcmp(a.argv[0], "popdp") == 0);
}

static void test_user_choices_are_kept(void)
{
	char *argv[] = {"popdp", "--file-prefix", "mine", "-m", "512", "-a", "0000:00:04.0", NULL};
	struct eal_args a;

	CHECK_EQ(eal_args_complete(&a, 7, argv, "lab1", false), 0);
	CHECK_EQ(count(&a, "--no-huge"), 0);
	CHECK_EQ(count(&a, "--no-pci"), 0);
	CHECK_EQ(a.argc, 7);
	CHECK(eal_args_has(&a, "--file-prefix"));
	CHECK(!eal_args_has(&a, "--file"));
}

static void test_hugepages_mean_no_no_huge(void)
{
	char *argv[] = {"popdp", "--vdev", "net_af_packet0,iface=xa", NULL};
	struct eal_args a;

	CHECK_EQ(eal_args_complete(&a, 3, argv, "x", true), 0);
	CHECK_EQ(count(&a, "--no-huge"), 0);
	CHECK_EQ(count(&a, "--no-pci"), 1);
}

static void test_too_many_arguments(void)
{
	char *argv[EAL_MAX_ARGS + 4];
	struct eal_args a;

	for (int i = 0; i < EAL_MAX_ARGS + 4; i++)
		argv[i] = "-v";
	CHECK_EQ(eal_args_complete(&a, EAL_MAX_ARGS + 4, argv, "x", true), -E2BIG);
}

static void test_free_hugepages_read_from_sysfs(void)
{
	char root[] = "/tmp/pop-hp-XXXXXX", path[256];
	FILE *f;

	CHECK(mkdtemp(root) != NULL);
	CHECK_EQ(eal_free_hugepages(root), 0);
	snprintf(path, sizeof(path), "%s/hugepages-2048kB", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/hugepages-2048kB/free_hugepages", root);
	f = fopen(path, "w");
	fputs("12\n", f);
	fclose(f);
	CHECK_EQ(eal_free_hugepages(root), 12);
	CHECK_EQ(eal_free_hugepages("/nonexistent/pop"), 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/hugepages-2048kB", root);
	rmdir(path);
	rmdir(root);
}

int main(void)
{
	RUN(test_defaults_added_without_hugepages);
	RUN(test_user_choices_are_kept);
	RUN(test_hugepages_mean_no_no_huge);
	RUN(test_too_many_arguments);
	RUN(test_free_hugepages_read_from_sysfs);
	return tap_done();
}
