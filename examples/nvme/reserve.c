/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reserve (installed as spdkrt-nvme-reserve): NVMe reservations on one namespace, step by step.
 * What SPDK's reserve example shows (a host id, register, acquire, report, release), made
 * scriptable: the steps of one invocation run in order on one controller connection, since the
 * reservation state lives in the controller (and a test model lives only as long as the
 * process). Each step prints its result; a failed one does not stop the others unless
 * --stop-on-error, and makes the exit status 1.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>

#include "nvme_tool.h"

enum {
	OPT_JSON = 0x300,
	OPT_HOSTID,
	OPT_STOP_ON_ERROR,
};

enum step_kind {
	STEP_REGISTER,
	STEP_REPLACE,
	STEP_UNREGISTER,
	STEP_ACQUIRE,
	STEP_PREEMPT,
	STEP_RELEASE,
	STEP_CLEAR,
	STEP_REPORT,
	STEP_READ,
	STEP_WRITE,
};

/* A step's name and its arguments: TYPE, KEY or LBA words, in order. */
static const struct step_def {
	const char *name;
	enum step_kind kind;
	const char *args; /* 't' type, 'k' key, 'l' LBA */
} g_step_defs[] = {
	{ "register", STEP_REGISTER, "k" },
	{ "replace", STEP_REPLACE, "kk" },
	{ "unregister", STEP_UNREGISTER, "k" },
	{ "acquire", STEP_ACQUIRE, "tk" },
	{ "preempt", STEP_PREEMPT, "kk" },
	{ "release", STEP_RELEASE, "tk" },
	{ "clear", STEP_CLEAR, "k" },
	{ "report", STEP_REPORT, "" },
	{ "read", STEP_READ, "l" },
	{ "write", STEP_WRITE, "l" },
};

/* The reservation types by the names SPDK's and nvme-cli's users know, short forms second. */
static const struct {
	const char *name;
	const char *short_name;
} g_types[] = {
	[SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE] = { "write-exclusive", "we" },
	[SPDKRT_NVME_RESERVE_EXCLUSIVE_ACCESS] = { "exclusive-access", "ea" },
	[SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE_REG_ONLY] = { "write-exclusive-registrants-only",
							   "we-ro" },
	[SPDKRT_NVME_RESERVE_EXCLUSIVE_ACCESS_REG_ONLY] = { "exclusive-access-registrants-only",
							    "ea-ro" },
	[SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE_ALL_REGS] = { "write-exclusive-all-registrants",
							   "we-ar" },
	[SPDKRT_NVME_RESERVE_EXCLUSIVE_ACCESS_ALL_REGS] = { "exclusive-access-all-registrants",
							    "ea-ar" },
};
#define NUM_TYPES (sizeof(g_types) / sizeof(g_types[0]))

#define MAX_STEPS 64
/* Room for the report: 4 KiB, 63 registrants in the extended format, 169 in the plain one. */
#define REPORT_SIZE 4096u

struct step {
	const struct step_def *def;
	char *const *words; /* the step as given: name, then its arguments */
	unsigned num_words;
	uint8_t rtype;   /* acquire, preempt (0: the type now held), release */
	uint64_t key[2]; /* first and second key, in order */
	uint64_t lba;
};

static struct nvme_tool g_t = { .prog = "spdkrt-nvme-reserve" };
static bool g_json;
static bool g_stop_on_error;
static uint32_t g_nsid = 1;
static bool g_hostid_given;
static size_t g_hostid_len; /* 8 or 16 bytes */
static uint8_t g_hostid[16];

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: spdkrt-nvme-reserve [options] STEP [STEP...]\n"
		"Runs NVMe reservation commands on one namespace, in the order given, on one\n"
		"controller connection (the reservation state lives in the controller).\n"
		"\n"
		"Steps (keys are numbers, 0x for hex):\n"
		"  register KEY              register this host with KEY\n"
		"  replace OLD NEW           replace its key OLD by NEW\n"
		"  unregister KEY            unregister it (releases what it holds)\n"
		"  acquire TYPE KEY          acquire a reservation of TYPE\n"
		"  preempt KEY VICTIM [TYPE] remove the registrants of key VICTIM and take their\n"
		"                            reservation (TYPE: the type now held by default)\n"
		"  release TYPE KEY          release the reservation of TYPE\n"
		"  clear KEY                 release it and unregister every host\n"
		"  report                    generation, type, holder, registrants and host ids\n"
		"  read LBA                  read one block (shows access or RESERVATION CONFLICT)\n"
		"  write LBA                 write one block (a pattern naming the tool and LBA)\n"
		"TYPE: write-exclusive (we), exclusive-access (ea),\n"
		"  write-exclusive-registrants-only (we-ro), exclusive-access-registrants-only\n"
		"  (ea-ro), write-exclusive-all-registrants (we-ar),\n"
		"  exclusive-access-all-registrants (ea-ar), or its number 1..6.\n"
		"\n"
		"Options:\n"
		"  -r TRID           the controller, e.g. 'trtype:PCIe traddr:0000:00:04.0'\n"
		"  -n NSID           the namespace (default 1)\n"
		"      --hostid HEX  this host's identifier, 16 or 32 hex digits (64 or 128 bits):\n"
		"                    over PCIe set with Set Features Host Identifier first, over\n"
		"                    NVMe/TCP sent in Connect (a 64-bit one padded with zeroes)\n"
		"      --json        print one JSON object with every step's result\n"
		"      --stop-on-error  stop at the first step that fails\n" NVME_TOOL_USAGE_COMMON
		"\n"
		"Options come before the steps. Each step prints its result or the command's\n"
		"status (e.g. RESERVATION CONFLICT).\n"
		"Reports use the extended format (128-bit host ids) over NVMe/TCP and with a\n"
		"128-bit --hostid.\n"
		"Exit status: 0 when every step succeeded, 1 otherwise.\n");
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (s == NULL || *s == '\0' || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return *end == '\0' && errno == 0;
}

static uint8_t parse_type(const char *s)
{
	uint64_t n;

	for (uint8_t t = 1; t < NUM_TYPES; t++)
		if (strcmp(s, g_types[t].name) == 0 || strcmp(s, g_types[t].short_name) == 0)
			return t;
	return parse_u64(s, &n) && n >= 1 && n < NUM_TYPES ? (uint8_t)n : 0;
}

static const char *type_name(uint8_t rtype)
{
	if (rtype == 0)
		return "none";
	return rtype < NUM_TYPES ? g_types[rtype].name : "unknown";
}

/* 16 or 32 hex digits (dashes of a UUID allowed) into g_hostid. */
static bool parse_hostid(const char *s)
{
	size_t n = 0;

	memset(g_hostid, 0, sizeof(g_hostid));
	for (; *s != '\0'; s++) {
		int v = *s >= '0' && *s <= '9' ? *s - '0' :
			*s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
			*s >= 'A' && *s <= 'F' ? *s - 'A' + 10 :
						 -1;

		if (*s == '-')
			continue;
		if (v < 0 || n == 32)
			return false;
		g_hostid[n / 2] |= (uint8_t)(n % 2 == 0 ? v << 4 : v);
		n++;
	}
	if (n != 16 && n != 32)
		return false;
	g_hostid_len = n / 2;
	return true;
}

/* The steps from the words left after the options; false after saying which is wrong. */
static bool parse_steps(int argc, char **argv, struct step *steps, unsigned *num_steps)
{
	unsigned n = 0;

	for (int i = 0; i < argc;) {
		const struct step_def *def = NULL;
		struct step *st;
		unsigned keys = 0;

		for (size_t d = 0; d < sizeof(g_step_defs) / sizeof(g_step_defs[0]); d++)
			if (strcmp(argv[i], g_step_defs[d].name) == 0)
				def = &g_step_defs[d];
		if (def == NULL) {
			fprintf(stderr, "%s: unknown step '%s'\n", g_t.prog, argv[i]);
			return false;
		}
		if (n == MAX_STEPS) {
			fprintf(stderr, "%s: more than %d steps\n", g_t.prog, MAX_STEPS);
			return false;
		}
		st = &steps[n++];
		memset(st, 0, sizeof(*st));
		st->def = def;
		st->words = &argv[i];
		i++;
		for (const char *a = def->args; *a != '\0'; a++, i++) {
			const char *w = i < argc ? argv[i] : NULL;
			bool ok = w != NULL && (*a == 't' ? (st->rtype = parse_type(w)) != 0 :
						*a == 'k' ? parse_u64(w, &st->key[keys++]) :
							    parse_u64(w, &st->lba));

			if (!ok) {
				fprintf(stderr, "%s: %s: %s '%s'\n", g_t.prog, def->name,
					*a == 't' ? "bad reservation type" :
					*a == 'k' ? "needs a key, not" :
						    "needs an LBA, not",
					w != NULL ? w : "(nothing)");
				return false;
			}
		}
		/* preempt's optional TYPE: a word that is no step name */
		if (def->kind == STEP_PREEMPT && i < argc && parse_type(argv[i]) != 0)
			st->rtype = parse_type(argv[i++]);
		st->num_words = (unsigned)(&argv[i] - st->words);
	}
	*num_steps = n;
	return n > 0;
}

struct resv {
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct spdkrt_nvme_ns *ns;
	struct spdkrt_nvme_qpair *qpair;
	void *block;         /* one block, DMA-safe */
	void *report;        /* REPORT_SIZE bytes */
	bool extended;       /* reports in the extended format */
	uint32_t io_flags;   /* PRACT on a PI namespace */
	unsigned json_steps; /* steps printed so far (JSON commas) */
};

static void json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static void print_hostid(const uint8_t *id, size_t len)
{
	for (size_t i = 0; i < len; i++)
		printf("%02x", id[i]);
}

/* Runs one command to its end: its status in *cpl; negative errno if it never got there. */
static int wait_cmd(struct resv *r, int rc, struct nvme_tool_op *op)
{
	if (rc != 0)
		return rc;
	return nvme_tool_wait(&g_t, r->ctrlr, r->qpair, &op->done) ? 0 : -ETIMEDOUT;
}

/* Opening of a step's result: text "register 0x1: " or its JSON object's first fields. */
static void begin_result(struct resv *r, const struct step *st, int rc,
			 const struct spdkrt_nvme_cpl *cpl)
{
	const char *status = rc != 0 ? spdkrt_strerror(rc) : spdkrt_nvme_cpl_status_string(cpl);
	bool ok = rc == 0 && !spdkrt_nvme_cpl_is_error(cpl);

	if (g_json) {
		printf("%s\n    { \"step\": ", r->json_steps++ ? "," : "");
		json_str(st->def->name);
		printf(", \"args\": [");
		for (unsigned i = 1; i < st->num_words; i++) {
			printf("%s", i > 1 ? ", " : "");
			json_str(st->words[i]);
		}
		printf("], \"ok\": %s, \"status\": ", ok ? "true" : "false");
		json_str(ok ? "SUCCESS" : status);
		if (rc == 0)
			printf(", \"sct\": %u, \"sc\": %u",
			       (unsigned)SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SCT),
			       (unsigned)SPDKRT_NVME_GET(cpl->status, SPDKRT_NVME_STATUS_SC));
		return;
	}
	for (unsigned i = 0; i < st->num_words; i++)
		printf("%s%s", i > 0 ? " " : "", st->words[i]);
	if (!ok || st->def->kind != STEP_REPORT) /* a report prints its contents instead */
		printf(": %s", ok ? "ok" : status);
}

static void end_result(void)
{
	printf(g_json ? " }" : "\n");
}

/* A registrant of the report (plain or extended) as cntlid, holder, key and host id. */
static void registrant(const struct resv *r, unsigned i, uint16_t *cntlid, bool *holder,
		       uint64_t *key, uint8_t hostid[16])
{
	const uint8_t *p = r->report;

	memset(hostid, 0, 16);
	if (r->extended) {
		struct spdkrt_nvme_registered_ctrlr_extended_data e;

		memcpy(&e, p + SPDKRT_NVME_RESV_REPORT_EXT_HEADER_LEN + i * sizeof(e), sizeof(e));
		*cntlid = e.cntlid;
		*holder = e.rcsts & 1;
		*key = e.rkey;
		memcpy(hostid, e.hostid, 16);
	} else {
		struct spdkrt_nvme_registered_ctrlr_data e;

		memcpy(&e, p + sizeof(struct spdkrt_nvme_reservation_status_data) + i * sizeof(e),
		       sizeof(e));
		*cntlid = e.cntlid;
		*holder = e.rcsts & 1;
		*key = e.rkey;
		memcpy(hostid, &e.hostid, 8);
	}
}

static unsigned report_count(const struct resv *r)
{
	const struct spdkrt_nvme_reservation_status_data *h = r->report;
	unsigned n = (unsigned)h->regctl[0] | (unsigned)h->regctl[1] << 8;
	size_t entry = r->extended ? sizeof(struct spdkrt_nvme_registered_ctrlr_extended_data) :
				     sizeof(struct spdkrt_nvme_registered_ctrlr_data);
	size_t header = r->extended ? SPDKRT_NVME_RESV_REPORT_EXT_HEADER_LEN : sizeof(*h);
	size_t room = (REPORT_SIZE - header) / entry;

	return n < room ? n : (unsigned)room; /* the rest did not fit: not shown */
}

/* The report's contents after begin_result(). */
static void print_report(const struct resv *r)
{
	const struct spdkrt_nvme_reservation_status_data *h = r->report;
	unsigned n = report_count(r), holders = 0;
	size_t idlen = r->extended ? 16 : 8;
	uint8_t holder_id[16] = { 0 };

	if (g_json)
		printf(", \"report\": { \"generation\": %" PRIu32
		       ", \"type\": %u, \"type_name\": \"%s\", \"ptpls\": %u, \"registrants\": [",
		       h->gen, h->rtype, type_name(h->rtype), h->ptpls);
	else
		printf(": generation %" PRIu32 ", type %s (%u), %u registrant%s, ptpls %u\n",
		       h->gen, type_name(h->rtype), h->rtype, n, n == 1 ? "" : "s", h->ptpls);
	for (unsigned i = 0; i < n; i++) {
		uint8_t hostid[16];
		uint64_t key;
		uint16_t cntlid;
		bool holder;

		registrant(r, i, &cntlid, &holder, &key, hostid);
		if (holder && holders++ == 0)
			memcpy(holder_id, hostid, sizeof(holder_id));
		if (g_json) {
			printf("%s{ \"hostid\": \"", i > 0 ? ", " : "");
			print_hostid(hostid, idlen);
			printf("\", \"key\": %" PRIu64 ", \"cntlid\": %u, \"holder\": %s }", key,
			       cntlid, holder ? "true" : "false");
		} else {
			printf("  registrant hostid ");
			print_hostid(hostid, idlen);
			printf(" key 0x%" PRIx64 " cntlid 0x%04x%s\n", key, cntlid,
			       holder ? " (holder)" : "");
		}
	}
	/* An all-registrants reservation is held by every registrant: no single holder. */
	printf(g_json ? "], \"holder\": " : "  holder: ");
	if (holders == 1) {
		printf(g_json ? "\"" : "hostid ");
		print_hostid(holder_id, idlen);
		printf(g_json ? "\" }" : "");
	} else if (g_json) {
		printf("%s }", holders == 0 ? "null" : "\"all registrants\"");
	} else {
		printf("%s", holders == 0 ? "none" : "all registrants");
	}
}

static int report_cmd(struct resv *r, struct nvme_tool_op *op)
{
	memset(r->report, 0, REPORT_SIZE);
	return wait_cmd(r,
			spdkrt_nvme_ns_cmd_reservation_report_ext(r->ns, r->qpair, r->report,
								  REPORT_SIZE, r->extended,
								  nvme_tool_op_done, op),
			op);
}

/* Submits a step's command and waits for it: 0 and *cpl, or a negative errno. */
static int submit(struct resv *r, struct step *st, struct nvme_tool_op *op)
{
	struct spdkrt_nvme_reservation_register_data reg = { .crkey = st->key[0] };
	struct spdkrt_nvme_reservation_acquire_data acq = { .crkey = st->key[0],
							    .prkey = st->key[1] };
	struct spdkrt_nvme_reservation_key_data key = { .crkey = st->key[0] };
	uint32_t bs = spdkrt_nvme_ns_get_sector_size(r->ns);
	uint8_t action;
	int rc;

	switch (st->def->kind) {
	case STEP_REGISTER:
	case STEP_REPLACE:
	case STEP_UNREGISTER:
		action = st->def->kind == STEP_REGISTER ? SPDKRT_NVME_RESERVE_REGISTER_KEY :
			 st->def->kind == STEP_REPLACE  ? SPDKRT_NVME_RESERVE_REPLACE_KEY :
							  SPDKRT_NVME_RESERVE_UNREGISTER_KEY;
		/* register KEY: the new key; replace OLD NEW: both */
		reg.crkey = st->def->kind == STEP_REGISTER ? 0 : st->key[0];
		reg.nrkey = st->def->kind == STEP_REGISTER ? st->key[0] : st->key[1];
		return wait_cmd(r,
				spdkrt_nvme_ns_cmd_reservation_register(
					r->ns, r->qpair, &reg, false, action,
					SPDKRT_NVME_RESERVE_PTPL_NO_CHANGES, nvme_tool_op_done, op),
				op);
	case STEP_PREEMPT:
		if (st->rtype == 0) { /* keep the type now held (write-exclusive if none) */
			struct nvme_tool_op rop = { 0 };

			rc = report_cmd(r, &rop);
			if (rc != 0 || spdkrt_nvme_cpl_is_error(&rop.cpl)) {
				*op = rop;
				return rc;
			}
			st->rtype = ((const struct spdkrt_nvme_reservation_status_data *)r->report)
					    ->rtype;
			if (st->rtype == 0)
				st->rtype = SPDKRT_NVME_RESERVE_WRITE_EXCLUSIVE;
		}
		/* fall through */
	case STEP_ACQUIRE:
		action = st->def->kind == STEP_ACQUIRE ? SPDKRT_NVME_RESERVE_ACQUIRE :
							 SPDKRT_NVME_RESERVE_PREEMPT;
		if (st->def->kind == STEP_ACQUIRE) /* acquire TYPE KEY: one key */
			acq.prkey = 0;
		return wait_cmd(r,
				spdkrt_nvme_ns_cmd_reservation_acquire(r->ns, r->qpair, &acq, false,
								       action, st->rtype,
								       nvme_tool_op_done, op),
				op);
	case STEP_RELEASE:
	case STEP_CLEAR:
		return wait_cmd(r,
				spdkrt_nvme_ns_cmd_reservation_release(
					r->ns, r->qpair, &key, false,
					st->def->kind == STEP_CLEAR ? SPDKRT_NVME_RESERVE_CLEAR :
								      SPDKRT_NVME_RESERVE_RELEASE,
					st->rtype, nvme_tool_op_done, op),
				op);
	case STEP_REPORT:
		return report_cmd(r, op);
	case STEP_READ:
		return wait_cmd(r,
				spdkrt_nvme_ns_cmd_read(r->ns, r->qpair, r->block, st->lba, 1,
							nvme_tool_op_done, op, r->io_flags),
				op);
	case STEP_WRITE:
		memset(r->block, 0, bs);
		snprintf(r->block, bs, "%s LBA %" PRIu64, g_t.prog, st->lba);
		return wait_cmd(r,
				spdkrt_nvme_ns_cmd_write(r->ns, r->qpair, r->block, st->lba, 1,
							 nvme_tool_op_done, op, r->io_flags),
				op);
	}
	return -EINVAL;
}

/* Every step in order; the number that failed. */
static unsigned run_steps(struct resv *r, struct step *steps, unsigned num_steps)
{
	unsigned failed = 0;

	for (unsigned i = 0; i < num_steps; i++) {
		struct nvme_tool_op op = { 0 };
		int rc = submit(r, &steps[i], &op);
		bool ok = rc == 0 && !spdkrt_nvme_cpl_is_error(&op.cpl);

		begin_result(r, &steps[i], rc, &op.cpl);
		if (ok && steps[i].def->kind == STEP_REPORT)
			print_report(r);
		end_result();
		fflush(stdout);
		if (!ok) {
			failed++;
			if (g_stop_on_error)
				break;
		}
	}
	return failed;
}

/* An admin command to its end; false after saying what failed. */
static bool admin_done(struct spdkrt_nvme_ctrlr *ctrlr, int rc, struct nvme_tool_op *op,
		       const char *what)
{
	if (rc == 0 && !nvme_tool_wait(&g_t, ctrlr, NULL, &op->done))
		rc = -ETIMEDOUT;
	if (rc != 0 || spdkrt_nvme_cpl_is_error(&op->cpl)) {
		fprintf(stderr, "%s: %s: %s\n", g_t.prog, what,
			rc != 0 ? spdkrt_strerror(rc) : spdkrt_nvme_cpl_status_string(&op->cpl));
		return false;
	}
	return true;
}

/* Over PCIe: Set Features Host Identifier (EXHID for 128 bits) before any step, read back
 * with Get Features (as SPDK's reserve example shows it). */
static bool set_pcie_hostid(struct spdkrt_nvme_ctrlr *ctrlr)
{
	uint32_t exhid = g_hostid_len == 16 ? 1 : 0;
	struct nvme_tool_op set = { 0 }, get = { 0 };
	uint8_t back[16] = { 0 };

	if (!admin_done(ctrlr,
			spdkrt_nvme_ctrlr_cmd_set_feature(
				ctrlr, SPDKRT_NVME_FEAT_HOST_IDENTIFIER, exhid, 0, 0, g_hostid,
				(uint32_t)g_hostid_len, nvme_tool_op_done, &set),
			&set, "Set Features Host Identifier") ||
	    !admin_done(ctrlr,
			spdkrt_nvme_ctrlr_cmd_get_feature(ctrlr, SPDKRT_NVME_FEAT_HOST_IDENTIFIER,
							  0, exhid, 0, back, (uint32_t)g_hostid_len,
							  nvme_tool_op_done, &get),
			&get, "Get Features Host Identifier"))
		return false;
	if (memcmp(back, g_hostid, g_hostid_len) != 0) {
		fprintf(stderr, "%s: the controller kept another host identifier than --hostid\n",
			g_t.prog);
		return false;
	}
	if (!g_json) {
		printf("hostid ");
		print_hostid(back, g_hostid_len);
		printf(": set\n");
	}
	return true;
}

/* Namespace, queue pair and buffers on the attached controller, then the steps. */
static int run(struct step *steps, unsigned num_steps)
{
	struct resv r = { .ctrlr = g_t.ctrlrs[0] };
	bool fabrics = spdkrt_nvme_ctrlr_get_transport_id(r.ctrlr)->trtype !=
		       SPDKRT_NVME_TRANSPORT_PCIE;
	unsigned failed;

	r.ns = spdkrt_nvme_ctrlr_get_ns(r.ctrlr, g_nsid);
	if (r.ns == NULL) {
		fprintf(stderr, "%s: %s has no active namespace %u\n", g_t.prog,
			nvme_tool_name(r.ctrlr), g_nsid);
		return 1;
	}
	if (!nvme_tool_data_io_flags(r.ns, &r.io_flags))
		r.io_flags = 0; /* read/write steps will show the controller's answer */
	if (g_hostid_given && !fabrics && !set_pcie_hostid(r.ctrlr))
		return 1;
	r.extended = fabrics || (g_hostid_given && g_hostid_len == 16);
	if (spdkrt_nvme_ctrlr_alloc_io_qpair(r.ctrlr, NULL, &r.qpair) != 0) {
		fprintf(stderr, "%s: cannot allocate an I/O queue pair\n", g_t.prog);
		return 1;
	}
	r.block = spdkrt_dma_zmalloc(spdkrt_nvme_ns_get_extended_sector_size(r.ns), 4096,
				     SPDKRT_ENV_SOCKET_ANY);
	r.report = calloc(1, REPORT_SIZE);
	if (r.block == NULL || r.report == NULL) {
		fprintf(stderr, "%s: out of memory\n", g_t.prog);
		failed = 1;
	} else {
		if (g_json) {
			printf("{ \"controller\": ");
			json_str(nvme_tool_name(r.ctrlr));
			printf(", \"nsid\": %u, \"steps\": [", g_nsid);
		}
		failed = run_steps(&r, steps, num_steps);
		if (g_json)
			printf("\n  ], \"failed\": %u }\n", failed);
	}
	free(r.report);
	spdkrt_dma_free(r.block);
	spdkrt_nvme_ctrlr_free_io_qpair(r.qpair);
	return failed == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		NVME_TOOL_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "hostid", required_argument, NULL, OPT_HOSTID },
		{ "stop-on-error", no_argument, NULL, OPT_STOP_ON_ERROR },
		{ NULL, 0, NULL, 0 },
	};
	static struct step steps[MAX_STEPS];
	unsigned num_steps = 0;
	uint64_t nsid;
	int c, status = 0, rc;

	while ((c = nvme_tool_getopt(&g_t, argc, argv, "+" NVME_TOOL_SHORTOPTS "n:", longopts,
				     usage, &status)) != -1) {
		switch (c) {
		case NVME_TOOL_OPT_STOP:
			return status;
		case 'n':
			if (!parse_u64(optarg, &nsid) || nsid == 0 || nsid > UINT32_MAX) {
				fprintf(stderr, "%s: -n needs a namespace id, not '%s'\n", g_t.prog,
					optarg);
				return 1;
			}
			g_nsid = (uint32_t)nsid;
			break;
		case OPT_JSON:
			g_json = true;
			break;
		case OPT_STOP_ON_ERROR:
			g_stop_on_error = true;
			break;
		case OPT_HOSTID:
			if (!parse_hostid(optarg)) {
				fprintf(stderr,
					"%s: --hostid needs 16 or 32 hex digits, not '%s'\n",
					g_t.prog, optarg);
				return 1;
			}
			g_hostid_given = true;
			/* over fabrics it goes in Connect; over PCIe it is set after attach */
			nvme_fabric_set_hostid(&g_t.fabric, g_hostid);
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	if (!parse_steps(argc - optind, argv + optind, steps, &num_steps))
		return 1;
	if (!nvme_tool_start(&g_t)) {
		nvme_tool_stop(&g_t);
		return 1;
	}
	rc = run(steps, num_steps);
	nvme_tool_stop(&g_t);
	return rc;
}
