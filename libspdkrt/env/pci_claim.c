/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One process per PCI function: an flock()ed lock file per address. The kernel drops the lock
 * when the process dies, so a crashed holder never leaves a function claimed; the file keeps the
 * holder's pid only to name it in the error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "env/pci_provider.h"

#define SRT_LOG_COMPONENT "pci"
#include "util/log.h"

static pthread_mutex_t g_dir_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_dir[PATH_MAX] = "/var/tmp";

int srt_pci_claim_set_dir(const char *dir)
{
	int rc = 0;

	pthread_mutex_lock(&g_dir_lock);
	if (dir == NULL)
		dir = "/var/tmp";
	if (strlen(dir) >= sizeof(g_dir))
		rc = -ENAMETOOLONG;
	else
		snprintf(g_dir, sizeof(g_dir), "%s", dir);
	pthread_mutex_unlock(&g_dir_lock);
	return rc;
}

static long holder_pid(int fd)
{
	char text[32];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

	if (n <= 0)
		return -1;
	text[n] = '\0';
	return strtol(text, NULL, 10);
}

int srt_pci_claim(const struct spdkrt_pci_addr *addr, int *fd_out)
{
	char name[SPDKRT_PCI_ADDR_STRLEN], path[PATH_MAX], pid[32];
	int fd, n;

	if (spdkrt_pci_addr_fmt(name, sizeof(name), addr) != 0)
		return -EINVAL;
	pthread_mutex_lock(&g_dir_lock);
	n = snprintf(path, sizeof(path), "%s/spdkrt_pci_%s.lock", g_dir, name);
	pthread_mutex_unlock(&g_dir_lock);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		int err = errno;

		SRT_ERR("%s: cannot open the claim file %s: %s", name, path, strerror(err));
		return -err;
	}
	/* flock, not fcntl locks: those are per process, so a second attach in one process
	 * would not see the first, and closing any descriptor of the file would drop them. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;
		long holder = holder_pid(fd);

		close(fd);
		if (err != EWOULDBLOCK) {
			SRT_ERR("%s: cannot lock %s: %s", name, path, strerror(err));
			return -err;
		}
		SRT_ERR("%s is already claimed by process %ld (lock file %s)", name, holder, path);
		return -EBUSY;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		SRT_WARN("%s: could not record this process in %s", name, path);
	*fd_out = fd;
	return 0;
}

void srt_pci_unclaim(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the flock; the file stays for the next claimer */
}
