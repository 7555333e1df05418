/* SPDX-License-Identifier: BSD-3-Clause */
/* The peer check, the run directory and the pop group. Paths that need root
 * skip without it; `make test` runs as root and covers them. */
#include "base.h"
#include "sock.h"
#include "tap.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SKIP(fn, reason)                                                                           \
	do {                                                                                       \
		tap_count++;                                                                       \
		printf("ok %d - %s # SKIP %s\n", tap_count, #fn, reason);                          \
		fflush(stdout);                                                                    \
	} while (0)

#define NOBODY_UID 65534u
#define UNUSED_GID 54321u

static void test_peer_root_and_self_allowed(void)
{
	CHECK_EQ(ctl_peer_check(0, 0, false, 0), 0);
	CHECK_EQ(ctl_peer_check(0, UNUSED_GID, true, 1), 0);
	CHECK_EQ(ctl_peer_check(geteuid(), UNUSED_GID, false, 0), 0);
}

static void test_peer_by_gid(void)
{
	/* Denied without a group, allowed by primary gid. */
	CHECK_EQ(ctl_peer_check(NOBODY_UID, UNUSED_GID, false, 0), -POP_EDENIED);
	CHECK_EQ(ctl_peer_check(NOBODY_UID, UNUSED_GID, true, UNUSED_GID), 0);
	CHECK_EQ(ctl_peer_check(NOBODY_UID, UNUSED_GID, true, UNUSED_GID + 1), -POP_EDENIED);
	/* A uid with no passwd entry has no group list to be found in. */
	CHECK_EQ(ctl_peer_check(4000000000u, UNUSED_GID, true, UNUSED_GID + 1), -POP_EDENIED);
}

static void test_peer_by_group_list(void)
{
	struct passwd *pw = getpwuid(NOBODY_UID);

	CHECK(pw != NULL);
	if (pw == NULL)
		return;
	/* The user's own group comes from its group list, not from the socket gid. */
	CHECK_EQ(ctl_peer_check(NOBODY_UID, UNUSED_GID, true, pw->pw_gid), 0);
}

static char *temp_dir(void)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/pop-test-peer-XXXXXX");
	return mkdtemp(dir);
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0;
}

static void test_run_dir_modes(void)
{
	char *dir = temp_dir();
	char path[128], parent[128];

	CHECK(dir != NULL);
	if (dir == NULL)
		return;
	snprintf(parent, sizeof(parent), "%s/a/b", dir);
	snprintf(path, sizeof(path), "%s/a/b/run/", dir);
	CHECK_EQ(ctl_run_dir_prepare(path, false, false, 0), 0);
	CHECK_EQ(mode_of(path), CTL_RUN_DIR_MODE);
	CHECK_EQ(mode_of(parent), 0755);

	/* An existing directory is left alone unless it is popd's own. */
	chmod(path, 0755);
	CHECK_EQ(ctl_run_dir_prepare(path, false, false, 0), 0);
	CHECK_EQ(mode_of(path), 0755);
	CHECK_EQ(ctl_run_dir_prepare(path, true, false, 0), 0);
	CHECK_EQ(mode_of(path), CTL_RUN_DIR_MODE);

	/* A symlink is not followed for the chmod. */
	char link[160];
	snprintf(link, sizeof(link), "%s/link", dir);
	CHECK_EQ(symlink(path, link), 0);
	CHECK(ctl_run_dir_prepare(link, true, false, 0) < 0);
	unlink(link);

	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
}

static void test_run_dir_group_as_root(void)
{
	char *dir = temp_dir();
	char path[128];
	struct stat st;

	CHECK(dir != NULL);
	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/run", dir);
	CHECK_EQ(ctl_run_dir_prepare(path, false, true, UNUSED_GID), 0);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_uid, 0);
	CHECK_EQ(st.st_gid, UNUSED_GID);
	rmdir(path);
	rmdir(dir);
}

static void test_group_ensure_as_root(void)
{
	gid_t gid = 0;
	struct group *gr;

	CHECK_EQ(ctl_group_ensure(CTL_GROUP_NAME, &gid), 0);
	gr = getgrnam(CTL_GROUP_NAME);
	CHECK(gr != NULL);
	if (gr != NULL)
		CHECK_EQ(gr->gr_gid, gid);
}

static void test_group_missing_not_root(void)
{
	gid_t gid = 0;

	CHECK_EQ(ctl_group_ensure("pop-test-no-such-group", &gid), -ENOENT);
}

int main(void)
{
	pop_log_set_level(POP_LOG_ERR);
	RUN(test_peer_root_and_self_allowed);
	if (geteuid() != NOBODY_UID) {
		RUN(test_peer_by_gid);
		RUN(test_peer_by_group_list);
	} else {
		SKIP(test_peer_by_gid, "running as nobody");
		SKIP(test_peer_by_group_list, "running as nobody");
	}
	RUN(test_run_dir_modes);
	if (geteuid() == 0) {
		RUN(test_run_dir_group_as_root);
		RUN(test_group_ensure_as_root);
		SKIP(test_group_missing_not_root, "root would create the group");
	} else {
		SKIP(test_run_dir_group_as_root, "needs root to chown");
		SKIP(test_group_ensure_as_root, "needs root to run groupadd");
		RUN(test_group_missing_not_root);
	}
	return tap_done();
}
