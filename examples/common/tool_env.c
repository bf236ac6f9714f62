/* SPDX-License-Identifier: BSD-3-Clause */
#include "tool_env.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Memory for buffers, I/O pools and channels beyond the bdevs' own. */
#define TOOL_ENV_HEADROOM_MB 256
/* What spdkrt_env_init() reserves with no_huge and no mem_size_mb (spdkrt/env.h). */
#define TOOL_ENV_NO_HUGE_DEFAULT_MB 1024
/* The largest -s the environment accepts (spdkrt_env_init refuses more). */
#define TOOL_ENV_MAX_MB (1ull << 30)

void tool_env_init(struct tool_env *t)
{
	memset(t, 0, sizeof(*t));
	t->log_level = -1;
}

static bool parse_mb(const char *s, size_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > TOOL_ENV_MAX_MB)
		return false;
	*out = (size_t)v;
	return true;
}

int tool_env_option(struct tool_env *t, int c, const char *arg, const char *prog)
{
	enum spdkrt_log_level level;

	switch (c) {
	case 'm':
		t->core_mask = arg;
		return 1;
	case 's':
		if (!parse_mb(arg, &t->mem_size_mb)) {
			fprintf(stderr, "%s: invalid memory size '%s' (-s MiB, 1-%llu)\n", prog,
				arg != NULL ? arg : "", TOOL_ENV_MAX_MB);
			return -1;
		}
		return 1;
	case 'L':
		if (arg == NULL || spdkrt_log_level_from_name(arg, &level) != 0) {
			fprintf(stderr,
				"%s: unknown log level '%s' (error, warn, notice, info, debug)\n",
				prog, arg != NULL ? arg : "");
			return -1;
		}
		t->log_level = (int)level;
		return 1;
	case TOOL_ENV_OPT_NO_HUGE:
		t->no_huge = true;
		return 1;
	default:
		return 0;
	}
}

/* The value of key in "module:k=v,k=v" as a number; false when absent or not a number. */
static bool spec_number(const char *spec, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *p = strchr(spec, ':');

	while (p != NULL) {
		p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			char *end;

			errno = 0;
			*out = strtoull(p + klen + 1, &end, 10);
			return errno == 0 && end != p + klen + 1 && (*end == ',' || *end == '\0');
		}
		p = strchr(p, ',');
	}
	return false;
}

size_t tool_env_specs_mb(const char *const *specs, size_t num_specs)
{
	uint64_t total = 0;

	for (size_t i = 0; i < num_specs; i++) {
		uint64_t mb = 0, blocks, block_size = 512;

		if (specs[i] == NULL || strncmp(specs[i], "malloc:", 7) != 0)
			continue;
		if (!spec_number(specs[i], "size_mb", &mb) &&
		    spec_number(specs[i], "num_blocks", &blocks)) {
			spec_number(specs[i], "block_size", &block_size);
			if (block_size != 0 && blocks <= UINT64_MAX / block_size)
				mb = (blocks * block_size + (1u << 20) - 1) >> 20;
		}
		/* A malformed spec is refused later, by spdkrt_bdev_create, with its reason. */
		if (mb > TOOL_ENV_MAX_MB)
			mb = TOOL_ENV_MAX_MB;
		total += mb;
	}
	return total > TOOL_ENV_MAX_MB ? (size_t)TOOL_ENV_MAX_MB : (size_t)total;
}

size_t tool_env_spec_list_mb(const char *list, char separator)
{
	size_t total = 0;

	while (list != NULL && *list != '\0') {
		const char *end = strchr(list, separator);
		size_t len = end != NULL ? (size_t)(end - list) : strlen(list);
		char *one = strndup(list, len);

		if (one != NULL) {
			const char *spec = one;

			total += tool_env_specs_mb(&spec, 1);
			free(one);
		}
		list = end != NULL ? end + 1 : NULL;
	}
	return total > TOOL_ENV_MAX_MB ? (size_t)TOOL_ENV_MAX_MB : total;
}

size_t tool_env_mem_for(const struct tool_env *t, size_t bdev_mb)
{
	size_t need = bdev_mb + TOOL_ENV_HEADROOM_MB;

	if (t->mem_size_mb != 0 || !t->no_huge || need <= TOOL_ENV_NO_HUGE_DEFAULT_MB)
		return t->mem_size_mb;
	return need > TOOL_ENV_MAX_MB ? (size_t)TOOL_ENV_MAX_MB : need;
}

size_t tool_env_mem_mb(const struct tool_env *t, const char *const *specs, size_t num_specs)
{
	return tool_env_mem_for(t, tool_env_specs_mb(specs, num_specs));
}

void tool_env_to_app_opts(const struct tool_env *t, const char *const *specs, size_t num_specs,
			  struct spdkrt_app_opts *opts)
{
	opts->core_mask = t->core_mask;
	opts->no_huge = t->no_huge;
	opts->mem_size_mb = tool_env_mem_mb(t, specs, num_specs);
	opts->log_level = t->log_level;
}
