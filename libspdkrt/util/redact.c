/* SPDX-License-Identifier: BSD-3-Clause */
/* Redaction of secrets (crypto keys) from log lines and from bdev specs shown to users. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <spdkrt/log.h>

#include "util/redact.h"

static const char g_mask[] = "***";

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

void srt_redact_hex_runs(char *text, bool truncated)
{
	char *out = text;
	const char *p = text;

	while (*p != '\0') {
		size_t run = 0;

		while (is_hex(p[run]))
			run++;
		if (run >= SRT_REDACT_HEX_RUN || (run > 0 && truncated && p[run] == '\0')) {
			/* the mask is shorter than the run: out never overtakes p */
			memcpy(out, g_mask, sizeof(g_mask) - 1);
			out += sizeof(g_mask) - 1;
			p += run;
		} else if (run > 0) {
			memmove(out, p, run);
			out += run;
			p += run;
		} else {
			*out++ = *p++;
		}
	}
	*out = '\0';
}

/* Key-like keys hold secrets whatever their spacing or case: "key", " Key2", "keyfile". */
static bool secret_key(const char *item, size_t len)
{
	while (len > 0 && isspace((unsigned char)*item)) {
		item++;
		len--;
	}
	return len >= 3 && strncasecmp(item, "key", 3) == 0;
}

struct out_buf {
	char *buf;
	size_t size;
	size_t len;
};

static void append(struct out_buf *o, const char *text, size_t n)
{
	size_t room = o->size - 1 - o->len;

	if (n > room)
		n = room;
	memcpy(o->buf + o->len, text, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

const char *spdkrt_spec_redact(const char *spec, char *buf, size_t size)
{
	const char *seps = ":,"; /* the first ':' ends the module name; then ',' ends items */
	struct out_buf o = { buf, size, 0 };
	char item_copy[256];

	if (buf == NULL || size == 0)
		return "";
	buf[0] = '\0';
	if (spec == NULL) {
		append(&o, "(null)", 6);
		return buf;
	}
	for (const char *p = spec; *p != '\0';) {
		size_t item = strcspn(p, seps);
		const char *eq = memchr(p, '=', item);

		if (secret_key(p, eq != NULL ? (size_t)(eq - p) : item)) {
			/* the name up to '=' (masked too: a key may be glued to it), never the value */
			size_t name = eq != NULL ? (size_t)(eq - p) : 3;

			if (name >= sizeof(item_copy))
				name = 3;
			memcpy(item_copy, p, name);
			item_copy[name] = '\0';
			srt_redact_hex_runs(item_copy, false);
			append(&o, item_copy, strlen(item_copy));
			append(&o, "=", eq != NULL ? 1 : 0);
			append(&o, g_mask, sizeof(g_mask) - 1);
		} else if (item < sizeof(item_copy)) {
			memcpy(item_copy, p, item);
			item_copy[item] = '\0';
			srt_redact_hex_runs(item_copy, false);
			append(&o, item_copy, strlen(item_copy));
		} else {
			append(&o, "(long item)", 11);
		}
		p += item;
		if (*p == ':')
			seps = ",";
		if (*p != '\0')
			append(&o, p++, 1);
	}
	explicit_bzero(item_copy, sizeof(item_copy));
	return buf;
}
