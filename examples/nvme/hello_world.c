/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hello_world (installed as spdkrt-nvme-hello-world): attaches every NVMe controller (or -r),
 * writes "Hello world!" to the first block of each active namespace, reads it back and prints it.
 * --cmb-sqs puts the I/O queue in the controller memory buffer, --cmb-buffer the data.
 */
#include <getopt.h>

#include "nvme_tool.h"

#define HELLO "Hello world!\n"

static bool g_cmb_buffer;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: spdkrt-nvme-hello-world [options]\n"
		"Writes \"Hello world!\" to block 0 of every active namespace of every NVMe\n"
		"controller, reads it back and prints it. It overwrites that block.\n"
		"\n"
		"  -r TRID           one controller, e.g. 'trtype:PCIe traddr:0000:00:04.0'\n"
		"      --cmb-sqs     the I/O submission queue in the controller memory buffer (PCIe,\n"
		"                    when CMBSZ.SQS allows; else host memory, with a log line)\n"
		"      --cmb-buffer  the data buffer in the controller memory buffer (PCIe, CMBSZ\n"
		"                    RDS and WDS); a controller without one fails\n" NVME_TOOL_USAGE_COMMON
		"\n"
		"Controllers must be bound to vfio-pci or uio_pci_generic (spdkrt-setup config).\n"
		"Exit status: 0 on success, 1 on any error.\n");
}

struct op {
	bool done;
	bool failed;
};

static void op_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct op *op = arg;

	op->done = true;
	op->failed = spdkrt_nvme_cpl_is_error(cpl);
	if (op->failed)
		fprintf(stderr, "I/O failed: %s\n", spdkrt_nvme_cpl_status_string(cpl));
}

static void free_buf(struct spdkrt_nvme_ctrlr *ctrlr, void *buf, uint32_t block)
{
	if (g_cmb_buffer && buf != NULL)
		spdkrt_nvme_ctrlr_free_cmb_io_buffer(ctrlr, buf, block);
	else
		spdkrt_dma_free(buf);
}

static int hello_ns(struct nvme_tool *t, struct spdkrt_nvme_ctrlr *ctrlr,
		    struct spdkrt_nvme_qpair *qpair, struct spdkrt_nvme_ns *ns)
{
	uint32_t block = spdkrt_nvme_ns_get_extended_sector_size(ns);
	char *buf = g_cmb_buffer ? spdkrt_nvme_ctrlr_alloc_cmb_io_buffer(ctrlr, block) :
				   spdkrt_dma_zmalloc(block, 4096, SPDKRT_ENV_SOCKET_ANY);
	struct op op = { 0 };
	uint32_t flags;
	int rc = 1;

	if (!nvme_tool_data_io_flags(ns, &flags)) {
		free_buf(ctrlr, buf, block);
		printf("%s namespace %u: skipped (separate metadata that is not 8-byte PI)\n",
		       nvme_tool_name(ctrlr), spdkrt_nvme_ns_get_id(ns));
		return 0;
	}
	if (buf == NULL) {
		fprintf(stderr, "%s: %s\n", t->prog,
			g_cmb_buffer ? "no controller memory buffer for the data" :
				       "out of DMA memory");
		return 1;
	}
	memset(buf, 0, block); /* a CMB buffer is not cleared */
	snprintf(buf, block, "%s", HELLO);
	if (spdkrt_nvme_ns_cmd_write(ns, qpair, buf, 0, 1, op_done, &op, flags) != 0 ||
	    !nvme_tool_wait(t, ctrlr, qpair, &op.done) || op.failed)
		goto out;
	memset(buf, 0, block);
	op.done = false;
	if (spdkrt_nvme_ns_cmd_read(ns, qpair, buf, 0, 1, op_done, &op, flags) != 0 ||
	    !nvme_tool_wait(t, ctrlr, qpair, &op.done) || op.failed)
		goto out;
	printf("%s namespace %u%s: %s", nvme_tool_name(ctrlr), spdkrt_nvme_ns_get_id(ns),
	       g_cmb_buffer ? " (data in the CMB)" : "", buf);
	rc = strcmp(buf, HELLO) == 0 ? 0 : 1;
out:
	if (rc != 0)
		fprintf(stderr, "%s: %s namespace %u: write/read of block 0 failed\n", t->prog,
			nvme_tool_name(ctrlr), spdkrt_nvme_ns_get_id(ns));
	free_buf(ctrlr, buf, block);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		NVME_TOOL_LONGOPTS,
		{ "cmb-sqs", no_argument, NULL, 'C' },
		{ "cmb-buffer", no_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct nvme_tool t = { .prog = "spdkrt-nvme-hello-world" };
	int c, status = 0, failures = 0;

	while ((c = nvme_tool_getopt(&t, argc, argv, NVME_TOOL_SHORTOPTS, longopts, usage,
				     &status)) != -1) {
		switch (c) {
		case NVME_TOOL_OPT_STOP:
			return status;
		case 'C':
			t.cmb_sqs = true;
			break;
		case 'B':
			g_cmb_buffer = true;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	if (!nvme_tool_start(&t)) {
		nvme_tool_stop(&t);
		return 1;
	}
	for (unsigned i = 0; i < t.num_ctrlrs; i++) {
		struct spdkrt_nvme_ctrlr *ctrlr = t.ctrlrs[i];
		struct spdkrt_nvme_qpair *qpair;
		uint32_t nsid;

		if (spdkrt_nvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qpair) != 0) {
			fprintf(stderr, "%s: %s: cannot allocate an I/O queue pair\n", t.prog,
				nvme_tool_name(ctrlr));
			failures++;
			continue;
		}
		for (nsid = spdkrt_nvme_ctrlr_get_first_active_ns(ctrlr); nsid != 0;
		     nsid = spdkrt_nvme_ctrlr_get_next_active_ns(ctrlr, nsid))
			failures +=
				hello_ns(&t, ctrlr, qpair, spdkrt_nvme_ctrlr_get_ns(ctrlr, nsid));
		spdkrt_nvme_ctrlr_free_io_qpair(qpair);
	}
	nvme_tool_stop(&t);
	return failures == 0 ? 0 : 1;
}
