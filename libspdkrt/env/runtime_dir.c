/* SPDX-License-Identifier: BSD-3-Clause */
/* Cleanup of the runtime directories that dead spdkrt processes left behind. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "env/runtime_dir.h"

#define SRT_LOG_COMPONENT "env"
#include "util/log.h"

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void srt_runtime_dir_remove(const char *path)
{
	nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/*
 * Where DPDK puts runtime directories: <base>/dpdk, base being $RUNTIME_DIRECTORY, else /var/run
 * for root, else $XDG_RUNTIME_DIR or /tmp.
 */
static void runtime_base(char *buf, size_t size)
{
	const char *base = getenv("RUNTIME_DIRECTORY");

	if (base == NULL)
		base = getuid() == 0 ? "/var/run" : getenv("XDG_RUNTIME_DIR");
	snprintf(buf, size, "%s/dpdk", base != NULL ? base : "/tmp");
}

/* The pid of a "spdkrt<pid>" name, or 0 for any other name. */
static pid_t pid_of(const char *name)
{
	size_t n = strlen(SRT_RUNTIME_PREFIX);
	unsigned long pid;
	char *end;

	if (strncmp(name, SRT_RUNTIME_PREFIX, n) != 0 || name[n] < '1' || name[n] > '9')
		return 0;
	errno = 0;
	pid = strtoul(name + n, &end, 10);
	return *end == '\0' && errno == 0 && pid <= 0x7fffffff ? (pid_t)pid : 0;
}

void srt_runtime_dir_remove_stale(void)
{
	char base[4096], path[8192];
	struct dirent *e;
	unsigned removed = 0;
	DIR *d;

	runtime_base(base, sizeof(base));
	d = opendir(base);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		pid_t pid = pid_of(e->d_name);

		/* ESRCH only: a live process (even another user's: EPERM) keeps its files */
		if (pid == 0 || pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, e->d_name);
		srt_runtime_dir_remove(path);
		removed++;
	}
	closedir(d);
	if (removed > 0)
		SRT_NOTICE("removed the runtime files that %u ended spdkrt process(es) left in %s",
			   removed, base);
}
