/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env/cores.h"

#define SRT_LOG_COMPONENT "env"
#include "util/log.h"

bool srt_core_set_has(const struct srt_core_set *set, uint32_t core)
{
	return core < SRT_MAX_CORES && (set->bits[core / 64] >> (core % 64)) & 1;
}

void srt_core_set_add(struct srt_core_set *set, uint32_t core)
{
	if (core < SRT_MAX_CORES)
		set->bits[core / 64] |= 1ull << (core % 64);
}

uint32_t srt_core_set_count(const struct srt_core_set *set)
{
	uint32_t n = 0;

	for (size_t i = 0; i < SRT_MAX_CORES / 64; i++)
		n += (uint32_t)__builtin_popcountll(set->bits[i]);
	return n;
}

uint32_t srt_core_set_next(const struct srt_core_set *set, uint32_t prev)
{
	for (uint32_t c = prev == UINT32_MAX ? 0 : prev + 1; c < SRT_MAX_CORES; c++) {
		if (srt_core_set_has(set, c))
			return c;
	}
	return UINT32_MAX;
}

static int parse_mask(const char *hex, struct srt_core_set *set)
{
	size_t len = strlen(hex);

	if (len == 0 || len > SRT_MAX_CORES / 4)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char ch = hex[len - 1 - i];
		int v;

		if (!isxdigit((unsigned char)ch))
			return -EINVAL;
		v = isdigit((unsigned char)ch) ? ch - '0' : tolower((unsigned char)ch) - 'a' + 10;
		for (int b = 0; b < 4; b++) {
			if (v & (1 << b))
				srt_core_set_add(set, (uint32_t)(i * 4 + b));
		}
	}
	return 0;
}

static int parse_number(const char **p, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno != 0 || v >= SRT_MAX_CORES)
		return -EINVAL;
	*p = end;
	*out = (uint32_t)v;
	return 0;
}

static int parse_list(const char *p, struct srt_core_set *set)
{
	for (;;) {
		uint32_t lo, hi;

		if (parse_number(&p, &lo) != 0)
			return -EINVAL;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_number(&p, &hi) != 0 || hi < lo)
				return -EINVAL;
		}
		for (uint32_t c = lo; c <= hi; c++)
			srt_core_set_add(set, c);
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
}

int srt_core_set_parse(const char *text, struct srt_core_set *set)
{
	int rc;

	memset(set, 0, sizeof(*set));
	if (text == NULL) {
		SRT_ERR("core mask is NULL");
		return -EINVAL;
	}
	if (text[0] == '[') { /* SPDK accepts "[0,1]" */
		size_t len = strlen(text);
		char inner[256];

		if (len < 3 || text[len - 1] != ']' || len - 2 >= sizeof(inner))
			rc = -EINVAL;
		else {
			memcpy(inner, text + 1, len - 2);
			inner[len - 2] = '\0';
			rc = parse_list(inner, set);
		}
	} else if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		rc = parse_mask(text + 2, set);
	else
		rc = parse_list(text, set);
	if (rc == 0 && srt_core_set_count(set) == 0)
		rc = -EINVAL;
	if (rc != 0)
		SRT_ERR("invalid core mask '%s': expected a hex mask such as 0x3 or a list such as 0-1,4 "
			"(cores below %d)",
			text, SRT_MAX_CORES);
	return rc;
}

int srt_core_set_format(const struct srt_core_set *set, char *buf, size_t len)
{
	size_t used = 0;
	uint32_t c = srt_core_set_next(set, UINT32_MAX);

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	while (c != UINT32_MAX) {
		uint32_t end = c;
		int n;

		while (srt_core_set_has(set, end + 1))
			end++;
		n = end == c ? snprintf(buf + used, len - used, "%s%u", used ? "," : "", c) :
			       snprintf(buf + used, len - used, "%s%u-%u", used ? "," : "", c, end);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += (size_t)n;
		c = srt_core_set_next(set, end);
	}
	return 0;
}
