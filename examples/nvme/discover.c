/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * discover (installed as spdkrt-nvme-discover): connects to an NVMe over Fabrics discovery
 * controller (-r 'trtype:TCP adrfam:IPv4 traddr:... trsvcid:...'), reads its whole discovery log
 * and prints it the way `nvme discover` does, or as JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>

#include <spdkrt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric_opts.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: spdkrt-nvme-discover -r TRID [options]\n"
		"Reads the discovery log of an NVMe over Fabrics discovery controller and prints\n"
		"every entry, like `nvme discover`.\n"
		"\n"
		"  -r TRID           the discovery controller, e.g.\n"
		"                    'trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:4420'\n"
		"                    (subnqn defaults to nqn.2014-08.org.nvmexpress.discovery)\n"
		"  -q HOSTNQN        host NQN to connect with (as --hostnqn)\n"
		"  -j, --json        print JSON\n"
		"      --no-huge     use ordinary pages\n"
		"  -h, --help        this text\n"
		"\n" NVME_FABRIC_USAGE "\n"
		"Exit status: 0 on success, 1 on any error.\n");
}

static const char *trtype_name(uint8_t t)
{
	switch (t) {
	case SPDKRT_NVMF_TRTYPE_RDMA:
		return "rdma";
	case SPDKRT_NVMF_TRTYPE_FC:
		return "fc";
	case SPDKRT_NVMF_TRTYPE_TCP:
		return "tcp";
	case SPDKRT_NVMF_TRTYPE_INTRA_HOST:
		return "loop";
	default:
		return "unrecognized";
	}
}

static const char *adrfam_name(uint8_t a)
{
	switch (a) {
	case SPDKRT_NVMF_ADRFAM_IPV4:
		return "ipv4";
	case SPDKRT_NVMF_ADRFAM_IPV6:
		return "ipv6";
	case SPDKRT_NVMF_ADRFAM_IB:
		return "infiniband";
	case SPDKRT_NVMF_ADRFAM_FC:
		return "fibre-channel";
	case SPDKRT_NVMF_ADRFAM_INTRA_HOST:
		return "loop";
	default:
		return "unrecognized";
	}
}

static const char *subtype_name(uint8_t s)
{
	switch (s) {
	case SPDKRT_NVMF_SUBTYPE_DISCOVERY_REFERRAL:
		return "discovery subsystem referral";
	case SPDKRT_NVMF_SUBTYPE_NVME:
		return "nvme subsystem";
	case SPDKRT_NVMF_SUBTYPE_DISCOVERY_CURRENT:
		return "current discovery subsystem";
	default:
		return "unrecognized";
	}
}

static const char *treq_name(uint8_t treq)
{
	switch (treq & 0x3u) {
	case 0:
		return "not specified";
	case 1:
		return "required";
	case 2:
		return "not required";
	default:
		return "reserved";
	}
}

static const char *sectype_name(uint8_t s)
{
	switch (s) {
	case 0:
		return "none";
	case 1:
		return "tls1.2";
	case 2:
		return "tls1.3";
	default:
		return "unrecognized";
	}
}

/* A fixed, space- or NUL-padded field as a printable C string: non-printables, quotes and
 * backslashes (from a hostile target, and not valid in JSON strings) become '?'. */
static void field(char *dst, size_t size, const char *src, size_t len)
{
	size_t n = strnlen(src, len < size ? len : size - 1);

	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f && src[i] != '"' && src[i] != '\\' ?
				 src[i] :
				 '?';
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

struct discovery {
	bool done;
	int rc;
	bool json;
};

static void print_entry(const struct spdkrt_nvmf_discovery_log_entry *e, uint64_t i, bool json,
			bool last)
{
	char trsvcid[33], traddr[257], subnqn[257];

	field(trsvcid, sizeof(trsvcid), e->trsvcid, sizeof(e->trsvcid));
	field(traddr, sizeof(traddr), e->traddr, sizeof(e->traddr));
	field(subnqn, sizeof(subnqn), e->subnqn, sizeof(e->subnqn));
	if (json) {
		printf("    {\"trtype\": \"%s\", \"adrfam\": \"%s\", \"subtype\": \"%s\", "
		       "\"treq\": \"%s\", \"portid\": %u, \"trsvcid\": \"%s\", \"subnqn\": \"%s\", "
		       "\"traddr\": \"%s\", \"sectype\": \"%s\"}%s\n",
		       trtype_name(e->trtype), adrfam_name(e->adrfam), subtype_name(e->subtype),
		       treq_name(e->treq), e->portid, trsvcid, subnqn, traddr,
		       sectype_name(e->tsas.sectype), last ? "" : ",");
		return;
	}
	printf("=====Discovery Log Entry %" PRIu64 "======\n", i);
	printf("trtype:  %s\n", trtype_name(e->trtype));
	printf("adrfam:  %s\n", adrfam_name(e->adrfam));
	printf("subtype: %s\n", subtype_name(e->subtype));
	printf("treq:    %s\n", treq_name(e->treq));
	printf("portid:  %u\n", e->portid);
	printf("trsvcid: %s\n", trsvcid);
	printf("subnqn:  %s\n", subnqn);
	printf("traddr:  %s\n", traddr);
	if (e->trtype == SPDKRT_NVMF_TRTYPE_TCP)
		printf("sectype: %s\n", sectype_name(e->tsas.sectype));
}

static void log_read(void *arg, int rc, const struct spdkrt_nvmf_discovery_log_page *hdr,
		     const struct spdkrt_nvmf_discovery_log_entry *entries)
{
	struct discovery *d = arg;

	d->done = true;
	d->rc = rc;
	if (rc != 0)
		return;
	if (d->json) {
		printf("{\n  \"genctr\": %" PRIu64 ",\n  \"records\": [\n", hdr->genctr);
		for (uint64_t i = 0; i < hdr->numrec; i++)
			print_entry(&entries[i], i, true, i + 1 == hdr->numrec);
		printf("  ]\n}\n");
		return;
	}
	printf("\nDiscovery Log Number of Records %" PRIu64 ", Generation counter %" PRIu64 "\n",
	       hdr->numrec, hdr->genctr);
	for (uint64_t i = 0; i < hdr->numrec; i++)
		print_entry(&entries[i], i, false, false);
}

static int discover(const char *prog, struct spdkrt_nvme_transport_id *trid,
		    const struct spdkrt_nvme_ctrlr_opts *opts, bool json)
{
	struct discovery d = { .json = json };
	struct spdkrt_nvme_ctrlr *ctrlr;
	uint64_t end;
	int rc;

	rc = spdkrt_nvme_connect(trid, opts, &ctrlr);
	if (rc != 0) {
		fprintf(stderr, "%s: cannot connect to the discovery controller at %s:%s: %s\n",
			prog, trid->traddr, trid->trsvcid, spdkrt_strerror(rc));
		return 1;
	}
	rc = spdkrt_nvme_ctrlr_get_discovery_log(ctrlr, log_read, &d);
	end = spdkrt_get_ticks() + 30 * spdkrt_get_ticks_hz();
	while (rc == 0 && !d.done && spdkrt_get_ticks() < end)
		if (spdkrt_nvme_ctrlr_process_admin_completions(ctrlr) < 0 && !d.done)
			rc = -ENXIO;
	if (rc == 0 && !d.done)
		rc = -ETIMEDOUT;
	if (rc == 0)
		rc = d.rc;
	if (rc != 0)
		fprintf(stderr, "%s: reading the discovery log failed: %s\n", prog,
			spdkrt_strerror(rc));
	/* A read that timed out still refers to d: detaching fails it first. */
	spdkrt_nvme_detach(ctrlr);
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-huge", no_argument, NULL, 'n' },
		NVME_FABRIC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = "spdkrt-nvme-discover", *trid_text = NULL;
	struct nvme_fabric_opts fabric = { .hdgst = false };
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_nvme_ctrlr_opts opts;
	struct spdkrt_env_opts env;
	bool json = false, no_huge = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "hjq:r:" NVME_FABRIC_SHORTOPTS, longopts, NULL)) !=
	       -1) {
		rc = nvme_fabric_opt(&fabric, prog, c == 'q' ? NVME_FABRIC_OPT_HOSTNQN : c, optarg);
		if (rc < 0)
			return 1;
		if (rc > 0)
			continue;
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'j':
			json = true;
			break;
		case 'r':
			trid_text = optarg;
			break;
		case 'n':
			no_huge = true;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc || trid_text == NULL) {
		usage(stderr);
		return 1;
	}
	if (nvme_fabric_parse_trid(&fabric, prog, trid_text, &trid) != 0)
		return 1;
	if (trid.trtype != SPDKRT_NVME_TRANSPORT_TCP || trid.traddr[0] == '\0') {
		fprintf(stderr,
			"%s: bad transport ID '%s' (e.g. 'trtype:TCP adrfam:IPv4 "
			"traddr:127.0.0.1 trsvcid:4420')\n",
			prog, trid_text);
		return 1;
	}
	if (trid.adrfam == 0)
		trid.adrfam = SPDKRT_NVMF_ADRFAM_IPV4;
	if (trid.trsvcid[0] == '\0')
		snprintf(trid.trsvcid, sizeof(trid.trsvcid), "%s", "8009");
	if (trid.subnqn[0] == '\0')
		snprintf(trid.subnqn, sizeof(trid.subnqn), "%s", SPDKRT_NVMF_DISCOVERY_NQN);
	spdkrt_nvme_ctrlr_opts_init(&opts, sizeof(opts));
	nvme_fabric_apply(&fabric, &opts);
	spdkrt_env_opts_init(&env, sizeof(env));
	env.name = prog;
	env.no_huge = no_huge;
	rc = spdkrt_env_init(&env);
	if (rc != 0) {
		fprintf(stderr, "%s: cannot initialise the environment: %s\n", prog,
			spdkrt_strerror(rc));
		return 1;
	}
	rc = discover(prog, &trid, &opts, json);
	spdkrt_env_fini();
	return rc;
}
