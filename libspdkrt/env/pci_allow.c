/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env/pci_allow.h"

#define SRT_LOG_COMPONENT "env"
#include "util/log.h"

static struct spdkrt_pci_addr *g_allowed;
static size_t g_num_allowed;

int srt_pci_allow_set(const char *const *addrs, size_t count)
{
	struct spdkrt_pci_addr *list = NULL;

	if (count > 0) {
		list = calloc(count, sizeof(*list));
		if (list == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < count; i++) {
			if (spdkrt_pci_addr_parse(&list[i], addrs[i]) != 0) {
				SRT_ERR("invalid PCI address '%s' in pci_allowed (expected "
					"DDDD:BB:DD.F)",
					addrs[i] ? addrs[i] : "(null)");
				free(list);
				return -EINVAL;
			}
		}
	}
	free(g_allowed);
	g_allowed = list;
	g_num_allowed = count;
	return 0;
}

bool srt_pci_allowed(const struct spdkrt_pci_addr *addr)
{
	if (g_num_allowed == 0)
		return true;
	for (size_t i = 0; i < g_num_allowed; i++) {
		const struct spdkrt_pci_addr *a = &g_allowed[i];

		if (a->domain == addr->domain && a->bus == addr->bus && a->dev == addr->dev &&
		    a->func == addr->func)
			return true;
	}
	return false;
}
