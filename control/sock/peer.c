/* SPDX-License-Identifier: BSD-3-Clause */
/* Who may talk to popd: the pop group, its run directory, the peer check. */
#include "sock_pvt.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GROUPADD_ATTEMPTS 5
#define GROUPADD_RETRY_NS 100000000L

int ctl_peer_check(uid_t uid, gid_t gid, bool have_group, gid_t group_gid)
{
	struct passwd pw, *found = NULL;
	char buf[16384];
	gid_t small[64];
	gid_t *groups = small;
	int ngroups = (int)(sizeof(small) / sizeof(small[0]));
	int allowed = 0;

	/* A peer of our own uid could ptrace us: refusing it protects nothing. */
	if (uid == 0 || uid == geteuid())
		return 0;
	if (!have_group)
		return -POP_EDENIED;
	if (gid == group_gid)
		return 0;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) != 0 || found == NULL)
		return -POP_EDENIED;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0) {
		/* ngroups now holds the size needed. */
		groups = calloc((size_t)ngroups, sizeof(*groups));
		if (groups == NULL)
			return -ENOMEM;
		if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0)
			ngroups = 0;
	}
	for (int i = 0; i < ngroups && !allowed; i++)
		allowed = groups[i] == group_gid;
	if (groups != small)
		free(groups);
	return allowed ? 0 : -POP_EDENIED;
}

static int group_lookup(const char *name, gid_t *gid)
{
	struct group gr, *found = NULL;
	char buf[16384];

	if (getgrnam_r(name, &gr, buf, sizeof(buf), &found) != 0 || found == NULL)
		return -ENOENT;
	*gid = gr.gr_gid;
	return 0;
}

static int run_groupadd(const char *name)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigset_t none;
		char *const argv[] = {"groupadd", "--system", (char *)name, NULL};

		/* popd blocks its stop signals and ignores SIGPIPE; groupadd should not. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		execvp("groupadd", argv);
		execv("/usr/sbin/groupadd", argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -ECHILD;
	return 0;
}

int ctl_group_ensure(const char *name, gid_t *gid)
{
	int rc = 0;

	if (group_lookup(name, gid) == 0)
		return 0;
	if (geteuid() != 0)
		return -ENOENT;
	/* groupadd fails while another one holds /etc/group's lock (two popd
	 * instances booting together): look again after each try, a few times. */
	for (int attempt = 0; attempt < GROUPADD_ATTEMPTS; attempt++) {
		if (attempt > 0)
			nanosleep(&(struct timespec){.tv_nsec = GROUPADD_RETRY_NS}, NULL);
		rc = run_groupadd(name);
		if (group_lookup(name, gid) == 0) {
			CTL_LOG(NOTICE, "system group %s has gid %u", name, (unsigned)*gid);
			return 0;
		}
	}
	CTL_LOG(ERR, "groupadd --system %s failed: %s", name, pop_strerror(rc < 0 ? rc : -ENOENT));
	return -ECHILD;
}

static int mkdir_parents(char *path)
{
	for (char *p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		int rc = mkdir(path, 0755);
		int err = errno;
		/* Group members must be able to pass through, whatever the umask. */
		if (rc == 0 && chmod(path, 0755) < 0) {
			err = errno;
			rc = -1;
		}
		*p = '/';
		if (rc < 0 && err != EEXIST)
			return -err;
	}
	return 0;
}

int ctl_run_dir_prepare(const char *path, bool enforce, bool have_group, gid_t group_gid)
{
	char *copy = strdup(path);
	bool created = false;
	int fd, rc = 0;

	if (copy == NULL)
		return -ENOMEM;
	/* Trailing slashes would make the last mkdir_parents step the directory itself. */
	for (size_t n = strlen(copy); n > 1 && copy[n - 1] == '/'; n--)
		copy[n - 1] = '\0';
	rc = mkdir_parents(copy);
	if (rc == 0) {
		if (mkdir(copy, CTL_RUN_DIR_MODE) == 0)
			created = true;
		else if (errno != EEXIST)
			rc = -errno;
	}
	free(copy);
	if (rc < 0)
		return rc;
	if (!created && !enforce)
		return 0;
	/* Through an fd, with no symlink followed, so a planted link cannot redirect
	 * the chmod/chown. */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, CTL_RUN_DIR_MODE) < 0)
		rc = -errno;
	else if (geteuid() == 0 && have_group && fchown(fd, 0, group_gid) < 0)
		rc = -errno;
	close(fd);
	return rc;
}
