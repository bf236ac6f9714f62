/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env/pci_allow.h"

#define SRT_LOG_COMPONENT "env"
#include "util/log.h"

static struct srt_pci_addr *g_allowed;
static size_t g_num_allowed;

int srt_pci_addr_parse(const char *text, struct srt_pci_addr *addr)
{
	unsigned domain = 0, bus, dev, func;
	int consumed = 0;

	if (text == NULL)
		return -EINVAL;
	if (sscanf(text, "%x:%x:%x.%x%n", &domain, &bus, &dev, &func, &consumed) != 4 ||
	    text[consumed] != '\0') {
		domain = 0;
		consumed = 0;
		if (sscanf(text, "%x:%x.%x%n", &bus, &dev, &func, &consumed) != 3 ||
		    text[consumed] != '\0')
			return -EINVAL;
	}
	if (domain > 0xffff || bus > 0xff || dev > 0x1f || func > 7)
		return -EINVAL;
	addr->domain = domain;
	addr->bus = (uint8_t)bus;
	addr->dev = (uint8_t)dev;
	addr->func = (uint8_t)func;
	return 0;
}

int srt_pci_allow_set(const char *const *addrs, size_t count)
{
	struct srt_pci_addr *list = NULL;

	if (count > 0) {
		list = calloc(count, sizeof(*list));
		if (list == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < count; i++) {
			if (srt_pci_addr_parse(addrs[i], &list[i]) != 0) {
				SRT_ERR("invalid PCI address '%s' in pci_allowed (expected "
					"DDDD:BB:DD.F)", addrs[i] ? addrs[i] : "(null)");
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

bool srt_pci_allowed(const struct srt_pci_addr *addr)
{
	if (g_num_allowed == 0)
		return true;
	for (size_t i = 0; i < g_num_allowed; i++) {
		const struct srt_pci_addr *a = &g_allowed[i];

		if (a->domain == addr->domain && a->bus == addr->bus && a->dev == addr->dev &&
		    a->func == addr->func)
			return true;
	}
	return false;
}
