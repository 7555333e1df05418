/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scratch directories and file helpers for the tests of tables/ (core and
 * zones): a fresh directory on tmpfs when there is one, removed at the end.
 */
#ifndef POP_TEST_SCRATCH_H
#define POP_TEST_SCRATCH_H

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A new empty directory, in /dev/shm when it exists; "" on failure. */
static inline void scratch_dir(char *out, size_t size)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(out, size, "%s/pop-tables-XXXXXX", base);
	if (mkdtemp(out) == NULL)
		out[0] = '\0';
}

static inline int scratch_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static inline void scratch_remove(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, scratch_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Entries of @p dir whose name starts with @p prefix ("" for all, . and .. excluded). */
static inline int scratch_count(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

/* Open file descriptors of this process. */
static inline int scratch_count_fds(void)
{
	return scratch_count("/proc/self/fd", "") - 1; /* the DIR's own */
}

/* Whole file into a malloc'd buffer; NULL on failure. */
static inline uint8_t *scratch_read(const char *dir, const char *name, size_t *len)
{
	char path[512];
	struct stat st;
	uint8_t *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	if (read(fd, buf, (size_t)st.st_size) != st.st_size) {
		free(buf);
		close(fd);
		return NULL;
	}
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/* Replace file @p name of @p dir with @p len bytes (mode 0444, like a snapshot). */
static inline int scratch_write(const char *dir, const char *name, const void *data, size_t len)
{
	char path[512], tmp[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.scratch-write", dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0444);
	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	return rename(tmp, path);
}

#endif
