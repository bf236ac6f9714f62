/* SPDX-License-Identifier: BSD-3-Clause */
/* PCI addresses in text: the strict parser behind spdkrt_env_opts.pci_allowed and the public API. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <spdkrt/pci.h>

/* Reads 1..max_digits hex digits (no sign, no 0x) ending at the stop character. */
static bool parse_hex(const char **p, int max_digits, char stop, unsigned *out)
{
	unsigned v = 0;
	int n = 0;

	for (; isxdigit((unsigned char)**p) && n < max_digits; (*p)++, n++)
		v = v * 16 + (unsigned)(isdigit((unsigned char)**p) ?
						**p - '0' :
						tolower((unsigned char)**p) - 'a' + 10);
	if (n == 0 || **p != stop)
		return false;
	if (stop != '\0')
		(*p)++;
	*out = v;
	return true;
}

SPDKRT_API int spdkrt_pci_addr_parse(struct spdkrt_pci_addr *addr, const char *text)
{
	unsigned domain = 0, bus, dev, func;
	const char *p = text;

	if (text == NULL || addr == NULL)
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

SPDKRT_API int spdkrt_pci_addr_fmt(char *buf, size_t size, const struct spdkrt_pci_addr *addr)
{
	if (buf == NULL || addr == NULL || addr->domain > 0xffff || addr->dev > 0x1f ||
	    addr->func > 7)
		return -EINVAL;
	if (size < SPDKRT_PCI_ADDR_STRLEN)
		return -ENOSPC;
	snprintf(buf, size, "%04x:%02x:%02x.%x", (unsigned)addr->domain, addr->bus, addr->dev,
		 addr->func);
	return 0;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

SPDKRT_API int spdkrt_pci_addr_compare(const struct spdkrt_pci_addr *a,
				       const struct spdkrt_pci_addr *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	if (a->domain != b->domain)
		return cmp_u32(a->domain, b->domain);
	if (a->bus != b->bus)
		return cmp_u32(a->bus, b->bus);
	if (a->dev != b->dev)
		return cmp_u32(a->dev, b->dev);
	return cmp_u32(a->func, b->func);
}
