/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * identify (installed as spdkrt-nvme-identify): for every NVMe controller (or -r), prints the
 * identify controller data, the SMART/health log, the error log's newest entry, the number of
 * queues and arbitration features, and each active namespace (size, formats, protection).
 * --json prints one JSON object.
 */
#include <getopt.h>
#include <inttypes.h>

#include "nvme_tool.h"

static bool g_json;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: spdkrt-nvme-identify [options]\n"
		"Prints what NVMe controllers say about themselves and their namespaces: identify\n"
		"data, SMART/health and error logs, features.\n"
		"\n"
		"  -r TRID           one controller, e.g. 'trtype:PCIe traddr:0000:00:04.0'\n"
		"      --json        print one JSON object\n" NVME_TOOL_USAGE_COMMON "\n"
		"Controllers must be bound to vfio-pci or uio_pci_generic (spdkrt-setup config).\n"
		"Exit status: 0 on success, 1 on any error.\n");
}

/* Runs one admin command to its end; false (and why) if it fails. */
static bool admin_ok(struct nvme_tool *t, struct spdkrt_nvme_ctrlr *ctrlr, int rc,
		     struct nvme_tool_op *op, const char *what)
{
	if (rc != 0 || !nvme_tool_wait(t, ctrlr, NULL, &op->done)) {
		fprintf(stderr, "%s: %s: %s: no answer (%d)\n", t->prog, nvme_tool_name(ctrlr),
			what, rc);
		return false;
	}
	if (spdkrt_nvme_cpl_is_error(&op->cpl)) {
		fprintf(stderr, "%s: %s: %s: %s\n", t->prog, nvme_tool_name(ctrlr), what,
			spdkrt_nvme_cpl_status_string(&op->cpl));
		return false;
	}
	return true;
}

static uint64_t lo128(const uint64_t v[2])
{
	return v[1] != 0 ? UINT64_MAX : v[0];
}

/* CMBSZ: SZ (bits 31:12) units of 4 KiB x 16^SZU (bits 11:8); SZU above 6 is reserved. */
static uint64_t cmb_bytes(uint32_t cmbsz)
{
	uint32_t szu = (cmbsz >> 8) & 0xF;

	return szu > 6 ? 0 : (uint64_t)(cmbsz >> 12) << (12 + 4 * szu);
}

static void print_ns(struct spdkrt_nvme_ns *ns, bool first)
{
	const struct spdkrt_nvme_ns_data *d = spdkrt_nvme_ns_get_data(ns);

	if (g_json) {
		printf("%s{\"nsid\": %u, \"blocks\": %" PRIu64 ", \"block_size\": %u, "
		       "\"metadata_size\": %u, \"extended_lba\": %s, \"pi_type\": %u, "
		       "\"lba_formats\": %u, \"max_io_blocks\": %u}",
		       first ? "" : ", ", spdkrt_nvme_ns_get_id(ns),
		       spdkrt_nvme_ns_get_num_sectors(ns), spdkrt_nvme_ns_get_sector_size(ns),
		       spdkrt_nvme_ns_get_md_size(ns),
		       spdkrt_nvme_ns_supports_extended_lba(ns) ? "true" : "false",
		       spdkrt_nvme_ns_get_pi_type(ns), d->nlbaf + 1u,
		       spdkrt_nvme_ns_get_max_io_sectors(ns));
		return;
	}
	printf("Namespace %u\n", spdkrt_nvme_ns_get_id(ns));
	printf("  Size:                 %" PRIu64 " blocks of %u bytes (%" PRIu64 " MiB)\n",
	       spdkrt_nvme_ns_get_num_sectors(ns), spdkrt_nvme_ns_get_sector_size(ns),
	       spdkrt_nvme_ns_get_size(ns) >> 20);
	printf("  Capacity / used:      %" PRIu64 " / %" PRIu64 " blocks\n", d->ncap, d->nuse);
	printf("  Metadata:             %u bytes%s\n", spdkrt_nvme_ns_get_md_size(ns),
	       spdkrt_nvme_ns_supports_extended_lba(ns) ? " (extended LBA)" : "");
	printf("  Protection info:      %s\n", spdkrt_nvme_ns_get_pi_type(ns) ? "enabled" : "none");
	for (unsigned i = 0; i <= d->nlbaf && i < 16; i++)
		printf("  LBA format %2u:        %u data + %u metadata bytes%s\n", i,
		       1u << d->lbaf[i].lbads, d->lbaf[i].ms,
		       (d->flbas & 0xF) == i ? " (in use)" : "");
}

static int identify_ctrlr(struct nvme_tool *t, struct spdkrt_nvme_ctrlr *ctrlr, bool first)
{
	const struct spdkrt_nvme_ctrlr_data *cd = spdkrt_nvme_ctrlr_get_data(ctrlr);
	struct spdkrt_nvme_health_information_page health;
	struct spdkrt_nvme_error_information_entry err;
	struct nvme_tool_op op = { 0 };
	char sn[21], mn[41], fr[9];
	uint32_t vs = spdkrt_nvme_ctrlr_get_regs_vs(ctrlr), queues = 0, arb = 0, nsid;
	uint64_t cap = spdkrt_nvme_ctrlr_get_regs_cap(ctrlr);
	bool first_ns = true;

	nvme_tool_str(sn, cd->sn, sizeof(cd->sn));
	nvme_tool_str(mn, cd->mn, sizeof(cd->mn));
	nvme_tool_str(fr, cd->fr, sizeof(cd->fr));
	if (!admin_ok(t, ctrlr,
		      spdkrt_nvme_ctrlr_cmd_get_log_page(
			      ctrlr, SPDKRT_NVME_LOG_HEALTH_INFORMATION, SPDKRT_NVME_NSID_ALL,
			      &health, sizeof(health), 0, 0, false, nvme_tool_op_done, &op),
		      &op, "SMART/health log"))
		return 1;
	memset(&op, 0, sizeof(op));
	memset(&err, 0, sizeof(err));
	if (!admin_ok(t, ctrlr,
		      spdkrt_nvme_ctrlr_cmd_get_log_page(ctrlr, SPDKRT_NVME_LOG_ERROR,
							 SPDKRT_NVME_NSID_ALL, &err, sizeof(err), 0,
							 0, false, nvme_tool_op_done, &op),
		      &op, "error log"))
		return 1;
	memset(&op, 0, sizeof(op));
	if (admin_ok(t, ctrlr,
		     spdkrt_nvme_ctrlr_cmd_get_feature(ctrlr, SPDKRT_NVME_FEAT_NUMBER_OF_QUEUES,
						       SPDKRT_NVME_FEAT_SEL_CURRENT, 0, 0, NULL, 0,
						       nvme_tool_op_done, &op),
		     &op, "number of queues"))
		queues = op.cpl.cdw0;
	memset(&op, 0, sizeof(op));
	if (admin_ok(t, ctrlr,
		     spdkrt_nvme_ctrlr_cmd_get_feature(ctrlr, SPDKRT_NVME_FEAT_ARBITRATION,
						       SPDKRT_NVME_FEAT_SEL_CURRENT, 0, 0, NULL, 0,
						       nvme_tool_op_done, &op),
		     &op, "arbitration"))
		arb = op.cpl.cdw0;
	if (g_json) {
		printf("%s{\"traddr\": \"%s\", \"vid\": %u, \"serial\": \"%s\", \"model\": \"%s\", "
		       "\"firmware\": \"%s\", \"version\": \"%u.%u.%u\", \"cntlid\": %u, "
		       "\"max_xfer_size\": %u, \"num_ns\": %u, \"mqes\": %u, "
		       "\"io_queues\": %u, \"critical_warning\": %u, \"temperature_k\": %u, "
		       "\"percentage_used\": %u, \"error_count\": %" PRIu64 ", \"namespaces\": [",
		       first ? "" : ", ", nvme_tool_name(ctrlr), cd->vid, sn, mn, fr,
		       SPDKRT_NVME_GET(vs, SPDKRT_NVME_VS_MJR),
		       SPDKRT_NVME_GET(vs, SPDKRT_NVME_VS_MNR),
		       SPDKRT_NVME_GET(vs, SPDKRT_NVME_VS_TER), cd->cntlid,
		       spdkrt_nvme_ctrlr_get_max_xfer_size(ctrlr), cd->nn,
		       (unsigned)SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_MQES) + 1,
		       (queues & 0xFFFF) + 1, health.critical_warning,
		       health.temperature[0] | health.temperature[1] << 8, health.percentage_used,
		       err.error_count);
	} else {
		uint32_t cmbsz = spdkrt_nvme_ctrlr_get_regs_cmbsz(ctrlr);

		printf("NVMe controller %s\n", nvme_tool_name(ctrlr));
		printf("  Vendor / subsystem:   0x%04x / 0x%04x\n", cd->vid, cd->ssvid);
		printf("  Serial number:        %s\n", sn);
		printf("  Model number:         %s\n", mn);
		printf("  Firmware version:     %s\n", fr);
		printf("  NVMe version:         %u.%u.%u\n",
		       SPDKRT_NVME_GET(vs, SPDKRT_NVME_VS_MJR),
		       SPDKRT_NVME_GET(vs, SPDKRT_NVME_VS_MNR),
		       SPDKRT_NVME_GET(vs, SPDKRT_NVME_VS_TER));
		printf("  Controller id:        %u\n", cd->cntlid);
		printf("  Max transfer:         %u bytes\n",
		       spdkrt_nvme_ctrlr_get_max_xfer_size(ctrlr));
		printf("  Max queue entries:    %u\n",
		       (unsigned)SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_MQES) + 1);
		printf("  I/O queues:           %u submission, %u completion\n",
		       (queues & 0xFFFF) + 1, (queues >> 16) + 1);
		printf("  Arbitration:          burst %u, weights high %u medium %u low %u%s\n",
		       arb & 7, (arb >> 24) + 1, ((arb >> 16) & 0xFF) + 1, ((arb >> 8) & 0xFF) + 1,
		       SPDKRT_NVME_GET(cap, SPDKRT_NVME_CAP_AMS) & SPDKRT_NVME_CAP_AMS_WRR ?
			       " (WRR supported)" :
			       "");
		printf("  Memory buffer (CMB):  %" PRIu64 " bytes (CMBSZ 0x%08x)\n",
		       cmb_bytes(cmbsz), cmbsz);
		printf("  Namespaces (NN):      %u\n", cd->nn);
		printf("  Optional commands:    admin 0x%04x, NVM 0x%04x, SGL 0x%08x\n", cd->oacs,
		       cd->oncs, cd->sgls);
		printf("  Critical warning:     0x%02x\n", health.critical_warning);
		printf("  Temperature:          %u K\n",
		       health.temperature[0] | health.temperature[1] << 8);
		printf("  Percentage used:      %u%%\n", health.percentage_used);
		printf("  Power on hours:       %" PRIu64 "\n", lo128(health.power_on_hours));
		printf("  Media errors:         %" PRIu64 "\n", lo128(health.media_errors));
		printf("  Error log count:      %" PRIu64 "\n", err.error_count);
	}
	for (nsid = spdkrt_nvme_ctrlr_get_first_active_ns(ctrlr); nsid != 0;
	     nsid = spdkrt_nvme_ctrlr_get_next_active_ns(ctrlr, nsid)) {
		print_ns(spdkrt_nvme_ctrlr_get_ns(ctrlr, nsid), first_ns);
		first_ns = false;
	}
	if (g_json)
		printf("]}");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		NVME_TOOL_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct nvme_tool t = { .prog = "spdkrt-nvme-identify" };
	int c, status = 0, failures = 0;

	while ((c = nvme_tool_getopt(&t, argc, argv, NVME_TOOL_SHORTOPTS, longopts, usage,
				     &status)) != -1) {
		switch (c) {
		case NVME_TOOL_OPT_STOP:
			return status;
		case 'j':
			g_json = true;
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
	if (g_json)
		printf("{\"controllers\": [");
	for (unsigned i = 0; i < t.num_ctrlrs; i++)
		failures += identify_ctrlr(&t, t.ctrlrs[i], i == 0);
	if (g_json)
		printf("]}\n");
	nvme_tool_stop(&t);
	return failures == 0 ? 0 : 1;
}
