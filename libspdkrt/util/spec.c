/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <spdkrt/log.h>

#include "util/spec.h"

#define SRT_LOG_COMPONENT "spec"
#include "util/log.h"

static bool valid_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	}
	return true;
}

int srt_spec_parse(const char *text, struct srt_spec **out)
{
	struct srt_spec *spec;
	char *colon, *item, *rest;
	char shown[512];
	size_t len;

	if (text == NULL || out == NULL) {
		SRT_ERR("bdev spec is NULL");
		return -EINVAL;
	}
	len = strlen(text);
	if (len > 4096) {
		SRT_ERR("bdev spec is longer than 4096 characters");
		return -EINVAL;
	}
	spec = calloc(1, sizeof(*spec) + len + 1);
	if (spec == NULL)
		return -ENOMEM;
	memcpy(spec->text, text, len + 1);
	spec->text_len = len;
	spdkrt_spec_redact(text, shown, sizeof(shown));
	colon = strchr(spec->text, ':');
	if (colon != NULL)
		*colon = '\0';
	spec->module = spec->text;
	if (!valid_word(spec->module)) {
		SRT_ERR("bdev spec '%s': expected MODULE:key=value,... (e.g. "
			"malloc:name=Malloc0,size_mb=64)",
			shown);
		goto invalid;
	}
	if (colon == NULL || colon[1] == '\0')
		goto done;
	rest = colon + 1;
	while ((item = strsep(&rest, ",")) != NULL) {
		char *eq = strchr(item, '=');

		if (eq == NULL || eq == item) {
			char item_shown[128];

			SRT_ERR("bdev spec '%s': '%s' is not key=value", shown,
				spdkrt_spec_redact(item, item_shown, sizeof(item_shown)));
			goto invalid;
		}
		*eq = '\0';
		if (!valid_word(item)) {
			SRT_ERR("bdev spec '%s': invalid key '%s'", shown, item);
			goto invalid;
		}
		for (unsigned i = 0; i < spec->num_keys; i++) {
			if (strcmp(spec->kv[i].key, item) == 0) {
				SRT_ERR("bdev spec '%s': key '%s' given twice", shown, item);
				goto invalid;
			}
		}
		if (spec->num_keys == SRT_SPEC_MAX_KEYS) {
			SRT_ERR("bdev spec '%s': more than %d keys", shown, SRT_SPEC_MAX_KEYS);
			goto invalid;
		}
		spec->kv[spec->num_keys].key = item;
		spec->kv[spec->num_keys].value = eq + 1;
		spec->num_keys++;
	}
done:
	*out = spec;
	return 0;
invalid:
	srt_spec_free(spec);
	return -EINVAL;
}

void srt_spec_free(struct srt_spec *spec)
{
	if (spec == NULL)
		return;
	/* The text may hold secrets (crypto keys). */
	explicit_bzero(spec->text, spec->text_len);
	free(spec);
}

const char *srt_spec_get(struct srt_spec *spec, const char *key)
{
	for (unsigned i = 0; i < spec->num_keys; i++) {
		if (strcmp(spec->kv[i].key, key) == 0) {
			spec->kv[i].used = true;
			return spec->kv[i].value;
		}
	}
	return NULL;
}

int srt_spec_get_str(struct srt_spec *spec, const char *key, const char **value)
{
	const char *v = srt_spec_get(spec, key);

	if (v == NULL || v[0] == '\0') {
		SRT_ERR("%s bdev spec: '%s' is required", spec->module, key);
		return -EINVAL;
	}
	*value = v;
	return 0;
}

int srt_spec_get_u64(struct srt_spec *spec, const char *key, uint64_t min, uint64_t max,
		     uint64_t *value)
{
	const char *v = srt_spec_get(spec, key);
	unsigned long long n;
	char *end;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 0);
	if (v[0] == '\0' || v[0] == '-' || *end != '\0' || errno != 0) {
		SRT_ERR("%s bdev spec: %s='%s' is not a number", spec->module, key, v);
		return -EINVAL;
	}
	if (n < min || n > max) {
		SRT_ERR("%s bdev spec: %s=%llu is outside %llu..%llu", spec->module, key, n,
			(unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*value = n;
	return 0;
}

int srt_spec_get_bool(struct srt_spec *spec, const char *key, bool *value)
{
	const char *v = srt_spec_get(spec, key);

	if (v == NULL)
		return 0;
	if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0)
		*value = true;
	else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcasecmp(v, "no") == 0)
		*value = false;
	else {
		SRT_ERR("%s bdev spec: %s='%s' is not true or false", spec->module, key, v);
		return -EINVAL;
	}
	return 0;
}

int srt_spec_wipe(struct srt_spec *spec, const char *key)
{
	int rc = -ENOENT;

	for (unsigned i = 0; i < spec->num_keys; i++) {
		if (strcmp(spec->kv[i].key, key) == 0) {
			/* explicit_bzero: a store the compiler may not drop as dead */
			explicit_bzero(spec->kv[i].value, strlen(spec->kv[i].value));
			rc = 0;
		}
	}
	return rc;
}

int srt_spec_check_all_used(struct srt_spec *spec)
{
	for (unsigned i = 0; i < spec->num_keys; i++) {
		if (!spec->kv[i].used) {
			SRT_ERR("%s bdev spec: unknown key '%s'", spec->module, spec->kv[i].key);
			return -EINVAL;
		}
	}
	return 0;
}
