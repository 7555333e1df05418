/* SPDX-License-Identifier: BSD-3-Clause */
#include "tables_pvt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int tables_path(char *out, size_t out_size, const char *dir, const char *name)
{
	int n = snprintf(out, out_size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= out_size)
		return -ENAMETOOLONG;
	return 0;
}

int tables_mkdir_p(const char *dir, mode_t mode)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0)
		return -EINVAL;
	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char saved = path[i];
		path[i] = '\0';
		if (mkdir(path, mode) == 0) {
			/* Exactly @p mode, whatever the umask. */
			if (chmod(path, mode) != 0)
				return -errno;
		} else if (errno != EEXIST) {
			return -errno;
		}
		path[i] = saved;
	}
	struct stat st;
	if (stat(dir, &st) != 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int write_full(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		/* Large writes are split by the kernel anyway; keep each under 1 GiB. */
		size_t chunk = len > (1u << 30) ? (1u << 30) : len;
		ssize_t n = write(fd, p, chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int tables_file_install(const char *dir, const char *name, const void *data, size_t len,
			mode_t mode, bool replace)
{
	static unsigned tmp_counter;
	char tmp[PATH_MAX], final[PATH_MAX], tmp_name[128];
	unsigned n = __atomic_fetch_add(&tmp_counter, 1, __ATOMIC_RELAXED);
	int fd, rc;

	/* ".<name>.tmp.<pid>.<n>": hidden, and tells a later cleaner whose it was. */
	snprintf(tmp_name, sizeof(tmp_name), ".%.64s.tmp.%ld.%u", name, (long)getpid(), n);
	rc = tables_path(tmp, sizeof(tmp), dir, tmp_name);
	if (rc == 0)
		rc = tables_path(final, sizeof(final), dir, name);
	if (rc < 0)
		return rc;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	rc = write_full(fd, data, len);
	if (rc == 0 && fchmod(fd, mode) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0) {
		if (replace) {
			if (rename(tmp, final) != 0)
				rc = -errno;
		} else {
			if (link(tmp, final) != 0)
				rc = -errno;
			unlink(tmp);
		}
	}
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int tables_file_map(const char *dir, const char *name, void **map, size_t *size, bool *writable)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, rc;
	bool rw = true;

	rc = tables_path(path, sizeof(path), dir, name);
	if (rc < 0)
		return rc;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
		rw = false;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (st.st_size <= 0) {
		close(fd);
		*map = NULL;
		*size = 0;
		*writable = rw;
		return 0;
	}
	void *m = mmap(NULL, (size_t)st.st_size, rw ? PROT_READ | PROT_WRITE : PROT_READ,
		       MAP_SHARED, fd, 0);
	rc = m == MAP_FAILED ? -errno : 0;
	close(fd);
	if (rc < 0)
		return rc;
	*map = m;
	*size = (size_t)st.st_size;
	*writable = rw;
	return 0;
}
