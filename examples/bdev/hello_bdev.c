/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hello_bdev: creates a bdev (a small malloc bdev by default), writes "Hello World!" to its
 * first block, reads it back and prints it.
 * Usage: hello_bdev [-b SPEC] [--no-huge] [-m MASK] [-s MEM_MB] [-L LOG_LEVEL]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spdkrt.h>

#include "../common/tool_env.h"

#define DEFAULT_SPEC "malloc:name=Malloc0,size_mb=8,block_size=512"
#define HELLO "Hello World!"

struct hello {
	const char *spec;
	char *name;
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	char *buf;
	uint32_t block_size;
	int rc;
};

static void destroyed(void *ctx, int status)
{
	struct hello *h = ctx;

	if (status != 0) {
		fprintf(stderr, "hello_bdev: destroying bdev %s: %s\n", h->name,
			spdkrt_strerror(status));
		h->rc = 1;
	}
	spdkrt_app_stop(h->rc);
}

/* Releases everything in reverse order, then stops the app with h->rc. */
static void finish(struct hello *h)
{
	int rc;

	if (h->ch != NULL)
		spdkrt_put_io_channel(h->ch);
	h->ch = NULL;
	spdkrt_bdev_close(h->desc);
	h->desc = NULL;
	spdkrt_dma_free(h->buf);
	h->buf = NULL;
	if (h->name == NULL) {
		spdkrt_app_stop(h->rc);
		return;
	}
	rc = spdkrt_bdev_destroy(h->name, destroyed, h);
	if (rc != 0) {
		fprintf(stderr, "hello_bdev: cannot destroy bdev %s: %s\n", h->name,
			spdkrt_strerror(rc));
		h->rc = 1;
		spdkrt_app_stop(h->rc);
	}
}

static void fail(struct hello *h, const char *what, int rc)
{
	fprintf(stderr, "hello_bdev: %s: %s\n", what, spdkrt_strerror(rc));
	h->rc = 1;
	finish(h);
}

static void read_done(void *ctx, int status)
{
	struct hello *h = ctx;

	if (status != 0) {
		fail(h, "read failed", status);
		return;
	}
	h->buf[h->block_size - 1] = '\0';
	printf("Read string from bdev: %s\n", h->buf);
	if (strcmp(h->buf, HELLO) != 0) {
		/* e.g. a null bdev, which discards writes */
		fprintf(stderr, "hello_bdev: the bdev did not return the data written\n");
		h->rc = 1;
	}
	finish(h);
}

static void write_done(void *ctx, int status)
{
	struct hello *h = ctx;
	int rc;

	if (status != 0) {
		fail(h, "write failed", status);
		return;
	}
	printf("Wrote \"%s\"; reading it back\n", HELLO);
	memset(h->buf, 0, h->block_size);
	rc = spdkrt_bdev_read_blocks(h->desc, h->ch, h->buf, 0, 1, read_done, h);
	if (rc != 0)
		fail(h, "cannot submit the read", rc);
}

static void bdev_event(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *bdev, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "hello_bdev: event %d on bdev %s\n", (int)type, spdkrt_bdev_get_name(bdev));
}

static void start(void *ctx)
{
	struct hello *h = ctx;
	struct spdkrt_bdev *bdev;
	size_t align;
	int rc;

	rc = spdkrt_bdev_create(h->spec, &bdev);
	if (rc != 0) {
		char shown[512];

		fprintf(stderr, "hello_bdev: cannot create a bdev from '%s': %s\n",
			spdkrt_spec_redact(h->spec, shown, sizeof(shown)), spdkrt_strerror(rc));
		h->rc = 1;
		finish(h);
		return;
	}
	h->name = strdup(spdkrt_bdev_get_name(bdev));
	if (h->name == NULL) {
		h->rc = 1;
		finish(h);
		return;
	}
	h->block_size = spdkrt_bdev_get_block_size(bdev);
	printf("Created bdev %s (%s): %llu blocks of %u bytes\n", h->name,
	       spdkrt_bdev_get_product_name(bdev),
	       (unsigned long long)spdkrt_bdev_get_num_blocks(bdev), h->block_size);
	if (h->block_size < sizeof(HELLO)) {
		fprintf(stderr, "hello_bdev: block size %u is too small\n", h->block_size);
		h->rc = 1;
		finish(h);
		return;
	}
	rc = spdkrt_bdev_open(h->name, true, bdev_event, h, &h->desc);
	if (rc != 0) {
		fail(h, "cannot open the bdev", rc);
		return;
	}
	h->ch = spdkrt_bdev_get_io_channel(h->desc);
	if (h->ch == NULL) {
		fail(h, "cannot get an I/O channel", -ENOMEM);
		return;
	}
	align = spdkrt_bdev_get_buf_align(bdev);
	h->buf = spdkrt_dma_zmalloc(h->block_size, align > 64 ? align : 64, SPDKRT_ENV_SOCKET_ANY);
	if (h->buf == NULL) {
		fail(h, "cannot allocate a DMA buffer", -ENOMEM);
		return;
	}
	memcpy(h->buf, HELLO, sizeof(HELLO));
	rc = spdkrt_bdev_write_blocks(h->desc, h->ch, h->buf, 0, 1, write_done, h);
	if (rc != 0)
		fail(h, "cannot submit the write", rc);
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [-b SPEC] [--no-huge] [-m CORE_MASK] [-s MEM_MB] [-L LOG_LEVEL]\n"
		"  -b, SPEC                 the bdev to create (default: " DEFAULT_SPEC "\n"
		"                           with --no-huge implied)\n" TOOL_ENV_USAGE
		"  -h, --help               print this help\n",
		prog);
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = { TOOL_ENV_LONG_OPTS,
						   { "help", no_argument, NULL, 'h' },
						   { NULL, 0, NULL, 0 } };
	struct hello h = { .spec = NULL };
	struct spdkrt_app_opts opts;
	struct tool_env env;
	int c, rc;

	tool_env_init(&env);
	while ((c = getopt_long(argc, argv, "b:h" TOOL_ENV_SHORT_OPTS, long_opts, NULL)) != -1) {
		rc = tool_env_option(&env, c, optarg, "hello_bdev");
		if (rc < 0)
			return 1;
		if (rc > 0)
			continue;
		switch (c) {
		case 'b':
			h.spec = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hello_bdev: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	/* The embedded default needs no hugepages and no device. */
	if (h.spec == NULL) {
		h.spec = DEFAULT_SPEC;
		env.no_huge = true;
	}
	spdkrt_app_opts_init(&opts, sizeof(opts));
	opts.name = "hello_bdev";
	tool_env_to_app_opts(&env, &h.spec, 1, &opts);
	rc = spdkrt_app_run(&opts, start, &h);
	free(h.name);
	if (rc < 0) {
		fprintf(stderr, "hello_bdev: cannot run: %s\n", spdkrt_strerror(rc));
		return 1;
	}
	return rc == 0 ? 0 : 1;
}
