/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvme_guest: the NVMe driver's data paths on QEMU's NVMe controllers, for tests.d/2x-nvme-*.sh,
 * and the host side of their check (run.sh):
 *   nvme_guest pattern TRID NSID LBA COUNT   writes COUNT blocks of a known pattern at LBA in one
 *                                            call (the driver splits it at MDTS), with separate
 *                                            metadata carrying type 1 protection information when
 *                                            the namespace has it, reads them back and compares
 *   nvme_guest pi TRID NSID                  protection information through the driver's API:
 *                                            PI the controller inserts (PRACT) and the guard and
 *                                            reference tag it computed, checks that must fail
 *   nvme_guest hotremove TRID ID             I/O on namespace 1 (reads and writes, 8 in flight);
 *                                            once some completed, prints "SPDKRT-QEMU:
 *                                            device_del ID" (run.sh removes the device through
 *                                            QEMU's monitor) and runs on until the driver sees the
 *                                            removal: remove callback, failed I/O, -ENXIO; then
 *                                            detaches. No crash, no hang (bounded waits)
 *   nvme_guest check IMAGE BS MS LBA COUNT   (host) the image file of that namespace holds what
 *                                            `pattern` wrote: data, and PI in QEMU's metadata area
 *                                            (after the data of every block)
 * Prints "ok: ..." / "FAIL: ..." lines; exit 0 when all passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../examples/nvme/nvme_tool.h"

#include "../../models/nvme/nvme_model.h" /* the PI guard only (pi.c is linked) */

#define APPTAG 0x5a5a
#define PI_SIZE 8

static int g_failed;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (cond) {                                                                        \
			printf("ok: nvme_guest: " __VA_ARGS__);                                    \
		} else {                                                                           \
			printf("FAIL: nvme_guest: " __VA_ARGS__);                                  \
			g_failed = 1;                                                              \
		}                                                                                  \
		printf("\n");                                                                      \
	} while (0)

/* Word @p index of block @p lba: any block tells where it belongs. */
static uint64_t pattern_word(uint64_t lba, uint64_t index)
{
	return (lba + 1) * 0x9E3779B97F4A7C15ull ^ (index + 1) * 0xD1B54A32D192ED03ull;
}

static void pattern_fill(void *buf, uint64_t lba, uint32_t count, uint32_t bs)
{
	uint64_t *w = buf;

	for (uint64_t b = 0; b < count; b++)
		for (uint64_t i = 0; i < bs / 8; i++)
			w[b * (bs / 8) + i] = pattern_word(lba + b, i);
}

/* The 8-byte PI tuple, big-endian: guard, application tag, reference tag. */
static void pi_set(uint8_t *pi, uint16_t guard, uint16_t apptag, uint32_t reftag)
{
	pi[0] = (uint8_t)(guard >> 8);
	pi[1] = (uint8_t)guard;
	pi[2] = (uint8_t)(apptag >> 8);
	pi[3] = (uint8_t)apptag;
	pi[4] = (uint8_t)(reftag >> 24);
	pi[5] = (uint8_t)(reftag >> 16);
	pi[6] = (uint8_t)(reftag >> 8);
	pi[7] = (uint8_t)reftag;
}

/* Metadata of @p count blocks whose PI (in the last 8 bytes) describes @p data. */
static void pi_fill(uint8_t *md, uint32_t ms, const uint8_t *data, uint32_t bs, uint64_t lba,
		    uint32_t count)
{
	for (uint32_t b = 0; b < count; b++)
		pi_set(md + (size_t)b * ms + ms - PI_SIZE,
		       nvme_model_crc16_t10dif(data + (size_t)b * bs, bs), APPTAG,
		       (uint32_t)(lba + b));
}

struct op {
	bool done;
	uint16_t status;
};

static void op_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct op *op = arg;

	op->status = cpl->status & 0xFFFEu;
	op->done = true;
}

static unsigned status_sct(uint16_t status)
{
	return (status >> 9) & 0x7;
}

static unsigned status_sc(uint16_t status)
{
	return (status >> 1) & 0xff;
}

struct dev {
	struct nvme_tool t;
	struct spdkrt_nvme_ctrlr *ctrlr;
	struct spdkrt_nvme_qpair *qpair;
	struct spdkrt_nvme_ns *ns;
	uint32_t bs, ms;
};

static bool dev_open(struct dev *d, const char *trid, const char *nsid_text)
{
	uint32_t nsid = (uint32_t)strtoul(nsid_text, NULL, 0);

	d->t.prog = "nvme_guest";
	d->t.trid_text = trid;
	d->t.mem_mb = 64;
	g_failed = 1; /* until opened */
	if (!nvme_tool_start(&d->t))
		return false;
	d->ctrlr = d->t.ctrlrs[0];
	for (uint32_t id = spdkrt_nvme_ctrlr_get_first_active_ns(d->ctrlr); id != 0;
	     id = spdkrt_nvme_ctrlr_get_next_active_ns(d->ctrlr, id))
		if (id == nsid)
			d->ns = spdkrt_nvme_ctrlr_get_ns(d->ctrlr, nsid);
	if (d->ns == NULL) {
		printf("FAIL: nvme_guest: %s has no active namespace %u\n", trid, nsid);
		return false;
	}
	if (spdkrt_nvme_ctrlr_alloc_io_qpair(d->ctrlr, NULL, &d->qpair) != 0) {
		printf("FAIL: nvme_guest: %s: cannot allocate an I/O queue pair\n", trid);
		return false;
	}
	d->bs = spdkrt_nvme_ns_get_sector_size(d->ns);
	d->ms = spdkrt_nvme_ns_get_md_size(d->ns);
	if (spdkrt_nvme_ns_supports_extended_lba(d->ns)) {
		printf("FAIL: nvme_guest: namespace %u has extended LBAs (separate metadata expected)\n",
		       nsid);
		return false;
	}
	g_failed = 0;
	return true;
}

static void dev_close(struct dev *d)
{
	if (d->qpair != NULL)
		spdkrt_nvme_ctrlr_free_io_qpair(d->qpair);
	nvme_tool_stop(&d->t);
}

/* One read or write with separate metadata, waited for; the NVMe status (0: success). */
static int dev_rw(struct dev *d, bool write, void *buf, void *md, uint64_t lba, uint32_t count,
		  uint32_t flags, uint16_t *status)
{
	struct op op = { 0 };
	int rc;

	if (write)
		rc = spdkrt_nvme_ns_cmd_write_with_md(d->ns, d->qpair, buf, md, lba, count, op_done,
						      &op, flags, 0xffff, APPTAG);
	else
		rc = spdkrt_nvme_ns_cmd_read_with_md(d->ns, d->qpair, buf, md, lba, count, op_done,
						     &op, flags, 0xffff, APPTAG);
	if (rc != 0)
		return rc;
	if (!nvme_tool_wait(&d->t, d->ctrlr, d->qpair, &op.done))
		return -ETIMEDOUT;
	*status = op.status;
	return 0;
}

static void *dma(size_t size)
{
	return spdkrt_dma_zmalloc(size ? size : 1, 4096, SPDKRT_ENV_SOCKET_ANY);
}

static int cmd_pattern(const char *trid, const char *nsid, uint64_t lba, uint32_t count)
{
	struct dev d = { 0 };
	uint8_t *buf = NULL, *md = NULL, *back = NULL, *mdback = NULL;
	uint32_t flags = 0;
	uint16_t st = 0;
	int rc;

	if (!dev_open(&d, trid, nsid))
		goto out;
	buf = dma((size_t)count * d.bs);
	back = dma((size_t)count * d.bs);
	if (d.ms > 0) {
		md = dma((size_t)count * d.ms);
		mdback = dma((size_t)count * d.ms);
	}
	if (buf == NULL || back == NULL || (d.ms > 0 && (md == NULL || mdback == NULL))) {
		printf("FAIL: nvme_guest: out of DMA memory\n");
		goto out;
	}
	pattern_fill(buf, lba, count, d.bs);
	if (spdkrt_nvme_ns_get_pi_type(d.ns) != 0) {
		pi_fill(md, d.ms, buf, d.bs, lba, count);
		flags = SPDKRT_NVME_IO_FLAGS_PRCHK_GUARD | SPDKRT_NVME_IO_FLAGS_PRCHK_REFTAG |
			SPDKRT_NVME_IO_FLAGS_PRCHK_APPTAG;
	}
	rc = dev_rw(&d, true, buf, md, lba, count, flags, &st);
	CHECK(rc == 0 && st == 0,
	      "%s ns %s: one write of %u x %u-byte blocks (+%u metadata) at LBA %" PRIu64
	      ", MDTS %u blocks (rc %d, status 0x%x)",
	      trid, nsid, count, d.bs, d.ms, lba, spdkrt_nvme_ns_get_max_io_sectors(d.ns), rc, st);
	rc = dev_rw(&d, false, back, mdback, lba, count, flags, &st);
	CHECK(rc == 0 && st == 0 && memcmp(buf, back, (size_t)count * d.bs) == 0 &&
		      (d.ms == 0 || memcmp(md, mdback, (size_t)count * d.ms) == 0),
	      "%s ns %s: read back in one call: data%s equal (rc %d, status 0x%x)", trid, nsid,
	      d.ms > 0 ? " and metadata" : "", rc, st);
out:
	spdkrt_dma_free(buf);
	spdkrt_dma_free(back);
	spdkrt_dma_free(md);
	spdkrt_dma_free(mdback);
	dev_close(&d);
	return g_failed;
}

static int cmd_pi(const char *trid, const char *nsid)
{
	enum {
		COUNT = 8
	};
	const uint64_t lba = 1000;
	struct dev d = { 0 };
	uint8_t *buf = NULL, *md = NULL, *back = NULL;
	const uint32_t check = SPDKRT_NVME_IO_FLAGS_PRCHK_GUARD | SPDKRT_NVME_IO_FLAGS_PRCHK_REFTAG;
	uint16_t st = 0;
	bool generated = true;
	int rc;

	if (!dev_open(&d, trid, nsid))
		goto out;
	if (spdkrt_nvme_ns_get_pi_type(d.ns) != SPDKRT_NVME_PI_TYPE1 || d.ms != PI_SIZE) {
		printf("FAIL: nvme_guest: ns %s: PI type %u, %u metadata bytes (type 1, 8 expected)\n",
		       nsid, spdkrt_nvme_ns_get_pi_type(d.ns), d.ms);
		g_failed = 1;
		goto out;
	}
	buf = dma(COUNT * d.bs);
	back = dma(COUNT * d.bs);
	md = dma(COUNT * d.ms);
	if (buf == NULL || back == NULL || md == NULL) {
		printf("FAIL: nvme_guest: out of DMA memory\n");
		goto out;
	}
	pattern_fill(buf, lba, COUNT, d.bs);
	/* PRACT with 8-byte metadata: the controller computes the PI, none is transferred. */
	rc = dev_rw(&d, true, buf, NULL, lba, COUNT, SPDKRT_NVME_IO_FLAGS_PRACT | check, &st);
	CHECK(rc == 0 && st == 0, "PRACT write without a metadata buffer (rc %d, status 0x%x)", rc,
	      st);
	rc = dev_rw(&d, false, back, md, lba, COUNT, check, &st);
	for (uint32_t b = 0; b < COUNT && rc == 0; b++) {
		uint8_t want[PI_SIZE];

		pi_set(want, nvme_model_crc16_t10dif(buf + (size_t)b * d.bs, d.bs), 0,
		       (uint32_t)(lba + b));
		/* The application tag the controller stored is its own choice: compare the rest. */
		if (memcmp(want, md + b * PI_SIZE, 2) != 0 ||
		    memcmp(want + 4, md + b * 8 + 4, 4) != 0)
			generated = false;
	}
	CHECK(rc == 0 && st == 0 && generated && memcmp(buf, back, COUNT * d.bs) == 0,
	      "the controller's PI: guard = CRC16 T10-DIF of each block, reference tag = LBA (rc "
	      "%d, status 0x%x)",
	      rc, st);
	rc = dev_rw(&d, false, back, NULL, lba, COUNT, SPDKRT_NVME_IO_FLAGS_PRACT | check, &st);
	CHECK(rc == 0 && st == 0 && memcmp(buf, back, COUNT * d.bs) == 0,
	      "PRACT read: PI checked and stripped, data equal (rc %d, status 0x%x)", rc, st);

	/* Our own PI, then a wrong guard and a wrong reference tag: refused by the controller. */
	pi_fill(md, d.ms, buf, d.bs, lba, COUNT);
	md[3 * PI_SIZE] ^= 0x01;
	rc = dev_rw(&d, true, buf, md, lba, COUNT, check, &st);
	CHECK(rc == 0 && status_sct(st) == 2 && status_sc(st) == SPDKRT_NVME_SC_GUARD_CHECK_ERROR,
	      "a write with a bad guard fails with a guard check error (rc %d, SCT %u SC 0x%02x)",
	      rc, status_sct(st), status_sc(st));
	pi_fill(md, d.ms, buf, d.bs, lba, COUNT);
	md[5 * PI_SIZE + 7] ^= 0x01;
	rc = dev_rw(&d, true, buf, md, lba, COUNT, check, &st);
	CHECK(rc == 0 && status_sct(st) == 2 &&
		      status_sc(st) == SPDKRT_NVME_SC_REFERENCE_TAG_CHECK_ERROR,
	      "a write with a bad reference tag fails with a reference tag check error (rc %d, SCT "
	      "%u SC 0x%02x)",
	      rc, status_sct(st), status_sc(st));
out:
	spdkrt_dma_free(buf);
	spdkrt_dma_free(back);
	spdkrt_dma_free(md);
	dev_close(&d);
	return g_failed;
}

#define HOTREMOVE_DEPTH 8
#define HOTREMOVE_BEFORE 200 /* I/O completed before asking for the removal */

struct hotremove {
	struct dev d;
	struct hr_io {
		struct hotremove *hr;
		uint8_t *buf;
		bool inflight;
	} io[HOTREMOVE_DEPTH];
	uint64_t ok, failed, submitted, lba;
	int submit_rc; /* the last submit's error */
	bool remove_called;
};

static struct hotremove g_hr;

static void hotremove_removed(void *ctx, struct spdkrt_nvme_ctrlr *ctrlr)
{
	(void)ctx;
	(void)ctrlr;
	g_hr.remove_called = true;
}

static void hotremove_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct hr_io *io = arg;

	io->inflight = false;
	if (spdkrt_nvme_cpl_is_error(cpl))
		io->hr->failed++;
	else
		io->hr->ok++;
}

static void hotremove_submit(struct hotremove *hr, struct hr_io *io)
{
	uint64_t lba = hr->lba++ % 1024;
	int rc = hr->submitted % 2 ? spdkrt_nvme_ns_cmd_read(hr->d.ns, hr->d.qpair, io->buf, lba, 1,
							     hotremove_done, io, 0) :
				     spdkrt_nvme_ns_cmd_write(hr->d.ns, hr->d.qpair, io->buf, lba,
							      1, hotremove_done, io, 0);

	if (rc == 0) {
		io->inflight = true;
		hr->submitted++;
	} else {
		hr->submit_rc = rc;
	}
}

static unsigned hotremove_inflight(const struct hotremove *hr)
{
	unsigned n = 0;

	for (unsigned i = 0; i < HOTREMOVE_DEPTH; i++)
		n += hr->io[i].inflight;
	return n;
}

static double seconds_since(uint64_t start)
{
	return (double)(spdkrt_get_ticks() - start) / (double)spdkrt_get_ticks_hz();
}

static int cmd_hotremove(const char *trid, const char *id)
{
	struct hotremove *hr = &g_hr;
	uint64_t start, asked = 0;
	int32_t qrc, arc;

	hr->d.t.remove_cb = hotremove_removed;
	if (!dev_open(&hr->d, trid, "1"))
		goto out;
	for (unsigned i = 0; i < HOTREMOVE_DEPTH; i++) {
		hr->io[i].hr = hr;
		hr->io[i].buf = dma(hr->d.bs);
		if (hr->io[i].buf == NULL) {
			printf("FAIL: nvme_guest: out of DMA memory\n");
			g_failed = 1;
			goto out;
		}
	}
	start = spdkrt_get_ticks();
	/* Until the removal is seen (remove callback and every I/O ended), at most 90 s. */
	while (!(hr->remove_called && hotremove_inflight(hr) == 0) && seconds_since(start) < 90) {
		for (unsigned i = 0; i < HOTREMOVE_DEPTH && hr->submit_rc == 0; i++)
			if (!hr->io[i].inflight)
				hotremove_submit(hr, &hr->io[i]);
		spdkrt_nvme_qpair_process_completions(hr->d.qpair, 0);
		spdkrt_nvme_ctrlr_process_admin_completions(hr->d.ctrlr);
		if (asked == 0 && hr->ok >= HOTREMOVE_BEFORE) {
			asked = spdkrt_get_ticks();
			printf("SPDKRT-QEMU: device_del %s\n", id);
			fflush(stdout);
		}
	}
	CHECK(asked != 0, "%" PRIu64 " I/O completed before the removal was asked for", hr->ok);
	CHECK(hr->remove_called, "the remove callback ran %.1f s after the removal was asked for",
	      asked ? seconds_since(asked) : 0.0);
	CHECK(hotremove_inflight(hr) == 0,
	      "every I/O ended: %" PRIu64 " succeeded, %" PRIu64 " failed, %u still in flight",
	      hr->ok, hr->failed, hotremove_inflight(hr));
	/*
	 * A register read on the removed function, through the driver, must not kill the process:
	 * the BAR may still answer (QEMU unplugs after the guest powers the slot off; vfio keeps
	 * the function until it is given back) or its mapping may be revoked (SIGBUS, which the
	 * driver's handler turns into all ones). The value is information only.
	 */
	printf("ok: nvme_guest: CSTS of the removed function reads 0x%08x, no crash\n",
	       spdkrt_nvme_ctrlr_get_regs_csts(hr->d.ctrlr));
	/* Once removed, the driver refuses at once. */
	hr->submit_rc = 0;
	hotremove_submit(hr, &hr->io[0]);
	qrc = spdkrt_nvme_qpair_process_completions(hr->d.qpair, 0);
	arc = spdkrt_nvme_ctrlr_process_admin_completions(hr->d.ctrlr);
	CHECK(hr->submit_rc == -ENXIO && qrc == -ENXIO && arc == -ENXIO,
	      "after the removal: submit %d, queue poll %d, admin poll %d (-ENXIO expected)",
	      hr->submit_rc, qrc, arc);
out:
	for (unsigned i = 0; i < HOTREMOVE_DEPTH; i++)
		spdkrt_dma_free(hr->io[i].buf);
	dev_close(&hr->d); /* detach: gives the device back to the kernel */
	printf("%s: nvme_guest: detached the removed controller\n", g_failed ? "FAIL" : "ok");
	return g_failed;
}

/* Host side: QEMU keeps data at lba * bs, metadata after all data at nlbas * bs + lba * ms. */
static int cmd_check(const char *image, uint32_t bs, uint32_t ms, uint64_t lba, uint32_t count)
{
	int fd = open(image, O_RDONLY);
	struct stat st;
	uint8_t *data = malloc((size_t)bs * count), *want = malloc((size_t)bs * count);
	uint8_t *md = malloc((size_t)(ms ? ms : 1) * count),
		*mdwant = malloc((size_t)(ms ? ms : 1) * count);
	uint64_t nlbas;
	bool ok = false;

	if (fd < 0 || fstat(fd, &st) != 0 || data == NULL || want == NULL || md == NULL ||
	    mdwant == NULL || bs == 0) {
		printf("FAIL: nvme_guest check: cannot read %s\n", image);
		goto out;
	}
	nlbas = (uint64_t)st.st_size / (bs + ms);
	pattern_fill(want, lba, count, bs);
	if (pread(fd, data, (size_t)bs * count, (off_t)(lba * bs)) != (ssize_t)bs * count ||
	    memcmp(data, want, (size_t)bs * count) != 0) {
		printf("FAIL: nvme_guest check: %s: blocks %" PRIu64
		       "..+%u differ from the pattern\n",
		       image, lba, count);
		goto out;
	}
	if (ms >= PI_SIZE) {
		memset(mdwant, 0, (size_t)ms * count);
		pi_fill(mdwant, ms, want, bs, lba, count);
		if (pread(fd, md, (size_t)ms * count, (off_t)(nlbas * bs + lba * ms)) !=
			    (ssize_t)ms * count ||
		    memcmp(md, mdwant, (size_t)ms * count) != 0) {
			printf("FAIL: nvme_guest check: %s: the PI of blocks %" PRIu64
			       "..+%u is not what was written\n",
			       image, lba, count);
			goto out;
		}
	}
	ok = true;
out:
	if (fd >= 0)
		close(fd);
	free(data);
	free(want);
	free(md);
	free(mdwant);
	return ok ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: nvme_guest pattern TRID NSID LBA COUNT | pi TRID NSID |\n"
			"       hotremove TRID DEVICE_ID |\n"
			"       check IMAGE BLOCK_SIZE MD_SIZE LBA COUNT\n");
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "pattern") == 0)
		return cmd_pattern(argv[2], argv[3], strtoull(argv[4], NULL, 0),
				   (uint32_t)strtoul(argv[5], NULL, 0));
	if (argc == 4 && strcmp(argv[1], "pi") == 0)
		return cmd_pi(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "hotremove") == 0)
		return cmd_hotremove(argv[2], argv[3]);
	if (argc == 7 && strcmp(argv[1], "check") == 0)
		return cmd_check(argv[2], (uint32_t)strtoul(argv[3], NULL, 0),
				 (uint32_t)strtoul(argv[4], NULL, 0), strtoull(argv[5], NULL, 0),
				 (uint32_t)strtoul(argv[6], NULL, 0));
	usage();
	return 2;
}
