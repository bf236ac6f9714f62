/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env/pci_allow.h"

#define SRT_LOG_COMPONENT "env"
#include "util/log.h"

static struct srt_pci_addr *g_allowed;
static size_t g_num_allowed;

/* Reads 1..max_digits hex digits (no sign, no 0x) ending at one of the stop characters. */
static bool parse_hex(const char **p, int max_digits, char stop, unsigned *out)
{
	unsigned v = 0;
	int n = 0;

	for (; isxdigit((unsigned char)**p) && n < max_digits; (*p)++, n++)
		v = v * 16 + (unsigned)(isdigit((unsigned char)**p) ? **p - '0'
								: tolower((unsigned char)**p) - 'a' + 10);
	if (n == 0 || **p != stop)
		return false;
	if (stop != '\0')
		(*p)++;
	*out = v;
	return true;
}

int srt_pci_addr_parse(const char *text, struct srt_pci_addr *addr)
{
	unsigned domain = 0, bus, dev, func;
	const char *p = text;

	if (text == NULL)
		return -EINVAL;
	/* DDDD:BB:DD.F, or BB:DD.F in domain 0: two colons mean a domain is given */
	if (strchr(text, ':') != strrchr(text, ':') && !parse_hex(&p, 4, ':', &domain))
		return -EINVAL;
	if (!parse_hex(&p, 2, ':', &bus) || !parse_hex(&p, 2, '.', &dev) ||
	    !parse_hex(&p, 1, '\0', &func))
		return -EINVAL;
	if (dev > 0x1f || func > 7)
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
