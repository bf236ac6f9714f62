/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The process's own stream of PCI hot-plug events, which drivers drain: one uevent socket,
 * opened on first use, so a driver hears of a removal before its next register read. A test
 * cannot send the kernel's uevents (the socket takes only the kernel's), so it injects the raw
 * message instead: it is parsed like one from the socket and drives everything after it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env/pci_hotplug.h"
#include "env/pci_uevent.h"

#define SRT_LOG_COMPONENT "pci"
#include "util/log.h"

struct injected {
	struct injected *next;
	size_t len;
	char msg[];
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_fd = -1;
static int g_open_rc = 1; /* 1: not tried yet; else what the attempt returned */
static struct injected *g_head, **g_tail = &g_head;

int srt_pci_hotplug_open(void)
{
	int rc;

	pthread_mutex_lock(&g_lock);
	if (g_open_rc == 1) {
		g_fd = spdkrt_pci_event_listen();
		g_open_rc = g_fd < 0 ? g_fd : 0;
		if (g_fd < 0)
			SRT_WARN("no PCI uevents (%s): a removed function is noticed only when "
				 "its registers read all ones",
				 strerror(-g_open_rc));
	}
	rc = g_open_rc;
	pthread_mutex_unlock(&g_lock);
	return rc;
}

/* The oldest injected message that is a PCI event; the others are read and dropped. */
static int next_injected(struct spdkrt_pci_event *event)
{
	struct injected *m;
	int found = 0;

	while (found == 0 && (m = g_head) != NULL) {
		g_head = m->next;
		if (g_head == NULL)
			g_tail = &g_head;
		found = srt_pci_uevent_parse(m->msg, m->len, event);
		free(m);
	}
	return found;
}

int srt_pci_hotplug_next(struct spdkrt_pci_event *event)
{
	int rc;

	if (event == NULL)
		return -EINVAL;
	pthread_mutex_lock(&g_lock);
	rc = next_injected(event);
	if (rc == 0 && g_fd >= 0)
		rc = spdkrt_pci_get_event(g_fd, event);
	pthread_mutex_unlock(&g_lock);
	return rc;
}

int srt_pci_hotplug_inject(const void *msg, size_t len)
{
	struct injected *m;

	if (msg == NULL || len > SRT_PCI_UEVENT_MAX) {
		SRT_ERR("srt_pci_hotplug_inject: NULL message or %zu bytes (at most %u)", len,
			SRT_PCI_UEVENT_MAX);
		return -EINVAL;
	}
	m = malloc(sizeof(*m) + len);
	if (m == NULL)
		return -ENOMEM;
	m->next = NULL;
	m->len = len;
	memcpy(m->msg, msg, len);
	pthread_mutex_lock(&g_lock);
	*g_tail = m;
	g_tail = &m->next;
	pthread_mutex_unlock(&g_lock);
	return 0;
}

void srt_pci_hotplug_close(void)
{
	struct spdkrt_pci_event ignored;

	pthread_mutex_lock(&g_lock);
	while (next_injected(&ignored) != 0)
		;
	if (g_fd >= 0)
		close(g_fd);
	g_fd = -1;
	g_open_rc = 1;
	pthread_mutex_unlock(&g_lock);
}
