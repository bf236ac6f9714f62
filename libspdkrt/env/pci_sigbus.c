/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIGBUS handler for mapped BARs (pci_sigbus.h). The table of ranges is read inside the
 * signal handler, so it is a fixed array of atomics (no locks, no allocation there);
 * registration and removal take a mutex among themselves.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "pci_sigbus.h"
#define SRT_LOG_COMPONENT "pci"
#include "util/log.h"

#define SIGBUS_RANGES 128

struct bar_range {
	_Atomic uintptr_t start; /* 0: free slot */
	_Atomic size_t len;
	atomic_bool replaced;
};

static struct bar_range g_ranges[SIGBUS_RANGES];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_installed;
static struct sigaction g_previous;

/* The previous disposition, as the kernel would have applied it. */
static void chain(int sig, siginfo_t *info, void *uctx)
{
	if (g_previous.sa_flags & SA_SIGINFO) {
		g_previous.sa_sigaction(sig, info, uctx);
	} else if (g_previous.sa_handler == SIG_DFL || g_previous.sa_handler == SIG_IGN) {
		/* A synchronous SIGBUS cannot be ignored: returning re-runs the access, which now
		 * takes the default action (the process ends with SIGBUS, as without us). */
		struct sigaction dfl;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGBUS, &dfl, NULL);
	} else {
		g_previous.sa_handler(sig);
	}
}

static void on_sigbus(int sig, siginfo_t *info, void *uctx)
{
	uintptr_t addr = (uintptr_t)info->si_addr;

	for (unsigned i = 0; i < SIGBUS_RANGES; i++) {
		/* Acquire pairs with the release store of start in srt_pci_sigbus_register(). */
		uintptr_t start = atomic_load_explicit(&g_ranges[i].start, memory_order_acquire);
		size_t len = atomic_load_explicit(&g_ranges[i].len, memory_order_relaxed);
		void *anon;

		if (start == 0 || addr < start || addr - start >= len)
			continue;
		/* mmap and memset are plain system calls/stores here: safe in a handler. */
		anon = mmap((void *)start, len, PROT_READ | PROT_WRITE,
			    MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (anon == MAP_FAILED)
			break;
		memset(anon, 0xff, len);
		atomic_store_explicit(&g_ranges[i].replaced, true, memory_order_release);
		return; /* the access runs again and reads all ones */
	}
	chain(sig, info, uctx);
}

static int install_locked(void)
{
	struct sigaction sa;

	if (g_installed)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &g_previous) != 0) {
		int rc = -errno;

		SRT_ERR("cannot install the SIGBUS handler for BARs: %s", strerror(-rc));
		return rc;
	}
	g_installed = true;
	return 0;
}

int srt_pci_sigbus_register(void *va, size_t len)
{
	int rc;

	if (va == NULL || len == 0)
		return -EINVAL;
	pthread_mutex_lock(&g_lock);
	rc = install_locked();
	for (unsigned i = 0; rc == 0 && i < SIGBUS_RANGES; i++) {
		if (atomic_load_explicit(&g_ranges[i].start, memory_order_relaxed) != 0)
			continue;
		atomic_store_explicit(&g_ranges[i].len, len, memory_order_relaxed);
		atomic_store_explicit(&g_ranges[i].replaced, false, memory_order_relaxed);
		atomic_store_explicit(&g_ranges[i].start, (uintptr_t)va, memory_order_release);
		pthread_mutex_unlock(&g_lock);
		return 0;
	}
	pthread_mutex_unlock(&g_lock);
	if (rc == 0) {
		SRT_ERR("more than %d mapped BARs: a SIGBUS on this one is not caught",
			SIGBUS_RANGES);
		rc = -ENOSPC;
	}
	return rc;
}

static struct bar_range *find(const void *va)
{
	for (unsigned i = 0; va != NULL && i < SIGBUS_RANGES; i++)
		if (atomic_load_explicit(&g_ranges[i].start, memory_order_acquire) == (uintptr_t)va)
			return &g_ranges[i];
	return NULL;
}

void srt_pci_sigbus_unregister(void *va)
{
	struct bar_range *r;

	pthread_mutex_lock(&g_lock);
	r = find(va);
	if (r != NULL)
		atomic_store_explicit(&r->start, 0, memory_order_release);
	pthread_mutex_unlock(&g_lock);
}

bool srt_pci_sigbus_replaced(const void *va)
{
	struct bar_range *r = find(va);

	return r != NULL && atomic_load_explicit(&r->replaced, memory_order_acquire);
}
