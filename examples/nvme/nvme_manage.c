/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvme_manage (installed as spdkrt-nvme-manage): namespace management, format and firmware as
 * subcommands (SPDK's interactive menu, made scriptable):
 *   list | create-ns BLOCKS LBAF | delete-ns NSID | attach-ns NSID | detach-ns NSID |
 *   format NSID LBAF [SES] | fw-download FILE | fw-commit SLOT ACTION
 * on one controller (-r TRID, or the first one found).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>

#include "nvme_tool.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: spdkrt-nvme-manage [options] COMMAND [ARGS]\n"
		"Manages namespaces and firmware of one NVMe controller.\n"
		"\n"
		"Commands:\n"
		"  list                      active namespaces (id, blocks, block size)\n"
		"  create-ns BLOCKS LBAF     create a namespace (not attached); prints its id\n"
		"  delete-ns NSID            delete a namespace\n"
		"  attach-ns NSID            attach a namespace to this controller\n"
		"  detach-ns NSID            detach it\n"
		"  format NSID LBAF [SES]    format with LBA format LBAF (secure erase SES, default 0)\n"
		"  fw-download FILE          download a firmware image (in pieces)\n"
		"  fw-commit SLOT ACTION     commit to SLOT with commit action ACTION (0..7)\n"
		"\n"
		"Options:\n"
		"  -r TRID           the controller, e.g. 'trtype:PCIe traddr:0000:00:04.0'\n" NVME_TOOL_USAGE_COMMON
		"\n"
		"Exit status: 0 on success, 1 on any error.\n");
}

static struct nvme_tool g_t = { .prog = "spdkrt-nvme-manage" };

/* Waits for the command and a rescan; prints the error. */
static int finish(struct spdkrt_nvme_ctrlr *ctrlr, int rc, struct nvme_tool_op *op,
		  const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "%s: %s: %s\n", g_t.prog, what, spdkrt_strerror(rc));
		return 1;
	}
	if (!nvme_tool_wait(&g_t, ctrlr, NULL, &op->done)) {
		fprintf(stderr, "%s: %s: no completion\n", g_t.prog, what);
		return 1;
	}
	if (spdkrt_nvme_cpl_is_error(&op->cpl)) {
		fprintf(stderr, "%s: %s: %s\n", g_t.prog, what,
			spdkrt_nvme_cpl_status_string(&op->cpl));
		return 1;
	}
	/* Let the driver rescan the namespaces the command changed. */
	for (int i = 0; i < 1000; i++) {
		nvme_tool_poll(&g_t);
		spdkrt_nvme_ctrlr_process_admin_completions(ctrlr);
	}
	return 0;
}

static bool parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	if (s == NULL)
		return false;
	x = strtoull(s, &end, 0);
	if (end == s || *end != '\0' || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

static int cmd_list(struct spdkrt_nvme_ctrlr *ctrlr)
{
	for (uint32_t nsid = spdkrt_nvme_ctrlr_get_first_active_ns(ctrlr); nsid != 0;
	     nsid = spdkrt_nvme_ctrlr_get_next_active_ns(ctrlr, nsid)) {
		struct spdkrt_nvme_ns *ns = spdkrt_nvme_ctrlr_get_ns(ctrlr, nsid);

		printf("%u %" PRIu64 " %u\n", nsid, spdkrt_nvme_ns_get_num_sectors(ns),
		       spdkrt_nvme_ns_get_sector_size(ns));
	}
	return 0;
}

static int cmd_fw_download(struct spdkrt_nvme_ctrlr *ctrlr, const char *path)
{
	uint32_t piece = spdkrt_nvme_ctrlr_get_max_xfer_size(ctrlr), offset = 0;
	FILE *f = fopen(path, "rb");
	char *buf = malloc(piece);
	size_t n;
	int rc = 0;

	if (f == NULL || buf == NULL) {
		fprintf(stderr, "%s: cannot read %s\n", g_t.prog, path);
		if (f != NULL)
			fclose(f);
		free(buf);
		return 1;
	}
	while (rc == 0 && (n = fread(buf, 1, piece, f)) > 0) {
		struct nvme_tool_op op = { 0 };

		while (n % 4 != 0)
			buf[n++] = 0; /* the image is sent in dwords */
		rc = finish(ctrlr,
			    spdkrt_nvme_ctrlr_fw_image_download(ctrlr, buf, (uint32_t)n, offset,
								nvme_tool_op_done, &op),
			    &op, "fw-download");
		offset += (uint32_t)n;
	}
	fclose(f);
	free(buf);
	if (rc == 0)
		printf("downloaded %u bytes\n", offset);
	return rc;
}

static int run(struct spdkrt_nvme_ctrlr *ctrlr, int argc, char **argv)
{
	const char *cmd = argv[0];
	struct spdkrt_nvme_ctrlr_list list;
	struct nvme_tool_op op = { 0 };
	uint32_t a = 0, b = 0, c = 0;

	memset(&list, 0, sizeof(list));
	list.ctrlr_count = 1;
	list.ctrlr_list[0] = spdkrt_nvme_ctrlr_get_data(ctrlr)->cntlid;
	if (strcmp(cmd, "list") == 0 && argc == 1)
		return cmd_list(ctrlr);
	if (strcmp(cmd, "create-ns") == 0 && argc == 3 && parse_u32(argv[1], &a) &&
	    parse_u32(argv[2], &b) && b < 16) {
		struct spdkrt_nvme_ns_data nd;

		memset(&nd, 0, sizeof(nd));
		nd.nsze = nd.ncap = a;
		nd.flbas = (uint8_t)b;
		if (finish(ctrlr, spdkrt_nvme_ctrlr_create_ns(ctrlr, &nd, nvme_tool_op_done, &op),
			   &op, cmd) != 0)
			return 1;
		printf("created namespace %u\n", op.cpl.cdw0);
		return 0;
	}
	if (strcmp(cmd, "delete-ns") == 0 && argc == 2 && parse_u32(argv[1], &a))
		return finish(ctrlr, spdkrt_nvme_ctrlr_delete_ns(ctrlr, a, nvme_tool_op_done, &op),
			      &op, cmd);
	if (strcmp(cmd, "attach-ns") == 0 && argc == 2 && parse_u32(argv[1], &a))
		return finish(ctrlr,
			      spdkrt_nvme_ctrlr_attach_ns(ctrlr, a, &list, nvme_tool_op_done, &op),
			      &op, cmd);
	if (strcmp(cmd, "detach-ns") == 0 && argc == 2 && parse_u32(argv[1], &a))
		return finish(ctrlr,
			      spdkrt_nvme_ctrlr_detach_ns(ctrlr, a, &list, nvme_tool_op_done, &op),
			      &op, cmd);
	if (strcmp(cmd, "format") == 0 && (argc == 3 || argc == 4) && parse_u32(argv[1], &a) &&
	    parse_u32(argv[2], &b) && b < 16 && (argc == 3 || (parse_u32(argv[3], &c) && c < 8)))
		return finish(
			ctrlr,
			spdkrt_nvme_ctrlr_format(ctrlr, a,
						 SPDKRT_NVME_SET(SPDKRT_NVME_FORMAT_LBAF, b) |
							 SPDKRT_NVME_SET(SPDKRT_NVME_FORMAT_SES, c),
						 nvme_tool_op_done, &op),
			&op, cmd);
	if (strcmp(cmd, "fw-download") == 0 && argc == 2)
		return cmd_fw_download(ctrlr, argv[1]);
	if (strcmp(cmd, "fw-commit") == 0 && argc == 3 && parse_u32(argv[1], &a) && a < 8 &&
	    parse_u32(argv[2], &b) && b < 8)
		return finish(ctrlr,
			      spdkrt_nvme_ctrlr_fw_commit(ctrlr, (uint8_t)a, (uint8_t)b,
							  nvme_tool_op_done, &op),
			      &op, cmd);
	fprintf(stderr, "%s: unknown command or bad arguments: %s\n", g_t.prog, cmd);
	usage(stderr);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		NVME_TOOL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, status = 0, rc;

	while ((c = nvme_tool_getopt(&g_t, argc, argv, "+" NVME_TOOL_SHORTOPTS, longopts, usage,
				     &status)) != -1) {
		switch (c) {
		case NVME_TOOL_OPT_STOP:
			return status;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	if (!nvme_tool_start(&g_t)) {
		nvme_tool_stop(&g_t);
		return 1;
	}
	rc = run(g_t.ctrlrs[0], argc - optind, argv + optind);
	nvme_tool_stop(&g_t);
	return rc;
}
