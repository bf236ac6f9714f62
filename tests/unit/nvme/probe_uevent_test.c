/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI hot plug acted on by the driver's own probe, through the real driver and the controller
 * model: a remove or unbind uevent for an attached controller's function fails it as removed
 * while its registers still answer (remove callback once, also when all-ones reads follow; I/O
 * fails with -ENXIO; no command reaches the device again; detach without shutdown); malformed
 * and foreign uevents change nothing; a bind attaches once. The uevents are injected
 * (srt_pci_hotplug_inject: the uevent socket takes only the kernel's messages) and go through
 * the same parser and everything after it. The kernel's own are seen in the QEMU guest
 * (tests.d/27-nvme-hotplug.sh).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"

#include "env/pci_hotplug.h"
#include "env/pci_uevent.h"

#define OTHER_TRADDR "0000:0f:00.0"
#define DEVPATH "/devices/pci0000:00/0000:00:03.0/" TEST_TRADDR

struct seen {
	unsigned probed, attached, removed;
	struct spdkrt_nvme_ctrlr *ctrlr, *removed_ctrlr;
	bool accept;
	bool detach_in_remove_cb;
};

static bool probe_cb(void *ctx, const struct spdkrt_nvme_transport_id *trid,
		     struct spdkrt_nvme_ctrlr_opts *opts)
{
	struct seen *s = ctx;

	(void)opts;
	assert_string_equal(trid->traddr, TEST_TRADDR);
	s->probed++;
	return s->accept;
}

static void attach_cb(void *ctx, const struct spdkrt_nvme_transport_id *trid,
		      struct spdkrt_nvme_ctrlr *ctrlr, const struct spdkrt_nvme_ctrlr_opts *opts)
{
	struct seen *s = ctx;

	(void)trid;
	(void)opts;
	s->attached++;
	s->ctrlr = ctrlr;
}

static void remove_cb(void *ctx, struct spdkrt_nvme_ctrlr *ctrlr)
{
	struct seen *s = ctx;

	s->removed++;
	s->removed_ctrlr = ctrlr;
	/* As SPDK applications do: detach from the callback (the driver's lock is not held). */
	if (s->detach_in_remove_cb) {
		spdkrt_nvme_ctrlr_free_io_qpair(g_qpair);
		g_qpair = NULL;
		assert_int_equal(spdkrt_nvme_detach(ctrlr), 0);
		g_ctrlr = NULL;
	}
}

/* Queues a uevent written with '|' for each NUL; `cut` bytes are left off its end. */
static void inject(const char *text, size_t cut)
{
	char buf[1024];
	size_t n = strlen(text) + 1;

	assert_true(n <= sizeof(buf) && cut <= n);
	memcpy(buf, text, n);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '|')
			buf[i] = '\0';
	assert_int_equal(srt_pci_hotplug_inject(buf, n - cut), 0);
}

static void inject_action(const char *action, const char *slot)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "%s@" DEVPATH "|ACTION=%s|DEVPATH=" DEVPATH "|SUBSYSTEM=pci|PCI_CLASS=10802|"
		 "PCI_ID=1B36:0010|PCI_SLOT_NAME=%s|SEQNUM=4242",
		 action, action, slot);
	inject(text, 0);
}

static int probe_all(struct seen *s)
{
	return spdkrt_nvme_probe(NULL, s, probe_cb, attach_cb, remove_cb);
}

/* The model, attached by a probe with a remove callback (which opens the event stream). */
static void attach(struct seen *s)
{
	log_capture_start();
	model_start(NULL);
	s->accept = true;
	assert_int_equal(probe_all(s), 0);
	assert_int_equal(s->attached, 1);
	g_ctrlr = s->ctrlr;
	assert_int_equal(spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qpair), 0);
}

static uint8_t *dma_buf(void)
{
	uint8_t *buf = spdkrt_dma_zmalloc(4096, 4096, SPDKRT_ENV_SOCKET_ANY);

	assert_non_null(buf);
	return buf;
}

static void removed_by_uevent(const char *action)
{
	struct nvme_model_fault drop = { .kind = NVME_MODEL_FAULT_DROP,
					 .qid = 1,
					 .opcode = SPDKRT_NVME_OPC_READ };
	struct nvme_model_stats before, after;
	struct io_result r = { 0 }, r2 = { 0 };
	struct seen s = { 0 };
	struct spdkrt_nvme_ns *ns;
	uint8_t *buf = dma_buf();

	attach(&s);
	ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512);
	/* One read the device holds: outstanding when the uevent comes. */
	assert_int_equal(nvme_model_inject(g_model, &drop), 0);
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 1, io_done, &r, 0), 0);
	assert_false(poll_until(&r.done, 10));
	nvme_model_get_stats(g_model, &before);

	/* Only the uevent says the function is gone: the model still answers every register. */
	inject_action(action, TEST_TRADDR);
	assert_int_equal(probe_all(&s), 0);
	assert_int_equal(s.removed, 1);
	assert_ptr_equal(s.removed_ctrlr, g_ctrlr);
	assert_int_equal(s.attached, 1); /* the scan after it did not attach the function again */
	assert_true(spdkrt_nvme_ctrlr_is_failed(g_ctrlr));
	assert_logged("(uevent)");

	/* The outstanding read fails at its pair's next poll; new I/O gets -ENXIO. */
	assert_int_equal(spdkrt_nvme_qpair_process_completions(g_qpair, 0), -ENXIO);
	assert_true(r.done);
	assert_int_equal(r.calls, 1);
	assert_true(spdkrt_nvme_cpl_is_error(&r.cpl));
	assert_int_equal(spdkrt_nvme_ns_cmd_read(ns, g_qpair, buf, 0, 1, io_done, &r2, 0), -ENXIO);
	assert_int_equal(spdkrt_nvme_ctrlr_process_admin_completions(g_ctrlr), -ENXIO);
	assert_int_equal(spdkrt_nvme_ctrlr_reset(g_ctrlr), -ENXIO);
	/* All-ones reads as well (the device really goes): still one callback. */
	nvme_model_surprise_remove(g_model);
	assert_int_equal(spdkrt_nvme_ctrlr_process_admin_completions(g_ctrlr), -ENXIO);
	assert_int_equal(probe_all(&s), 0);
	assert_int_equal(s.removed, 1);
	assert_false(r2.done);

	/* Detach deletes no queue and sends no shutdown: nothing more reached the device. */
	spdkrt_nvme_ctrlr_free_io_qpair(g_qpair);
	g_qpair = NULL;
	assert_int_equal(spdkrt_nvme_detach(g_ctrlr), 0);
	g_ctrlr = NULL;
	nvme_model_get_stats(g_model, &after);
	assert_int_equal(after.admin_commands, before.admin_commands);
	assert_int_equal(after.io_commands, before.io_commands);
	assert_int_equal(after.shutdowns, before.shutdowns);
	assert_int_equal(after.io_queues_deleted, before.io_queues_deleted);
	spdkrt_dma_free(buf);
	ctrlr_teardown(NULL);
}

static void test_remove_uevent(void **state)
{
	(void)state;
	removed_by_uevent("remove");
}

static void test_unbind_uevent(void **state)
{
	(void)state;
	removed_by_uevent("unbind");
}

/* The remove callback may detach at once, from inside the probe. */
static void test_detach_from_remove_callback(void **state)
{
	struct seen s = { .detach_in_remove_cb = true };

	(void)state;
	attach(&s);
	inject_action("unbind", TEST_TRADDR);
	inject_action("remove", TEST_TRADDR);
	s.accept = false; /* the scan after the events finds the model: not now */
	assert_int_equal(probe_all(&s), 0);
	assert_int_equal(s.removed, 1);
	assert_null(g_ctrlr);
	/* The function is still there for the model: a probe attaches it anew. */
	s.detach_in_remove_cb = false;
	s.accept = true;
	assert_int_equal(probe_all(&s), 0);
	assert_int_equal(s.attached, 2);
	g_ctrlr = s.ctrlr;
	assert_false(spdkrt_nvme_ctrlr_is_failed(g_ctrlr));
	ctrlr_teardown(NULL);
}

static void test_garbage_uevents(void **state)
{
	static const char *const bad[] = {
		"",
		"remove@" DEVPATH,
		"libudev|\xfe\xed\xca\xfe|ACTION=remove|SUBSYSTEM=pci|PCI_SLOT_NAME",
		"remove@x|ACTION=remove|SUBSYSTEM=pci",
		"remove@x|ACTION=remove|SUBSYSTEM=pci|PCI_SLOT_NAME=",
		"remove@x|ACTION=remove|SUBSYSTEM=pci|PCI_SLOT_NAME=" TEST_TRADDR "x",
		"remove@x|ACTION=remove|SUBSYSTEM=pci|PCI_SLOT_NAME=0000:0e:00.0:0",
		"remove@x|ACTION=remove|SUBSYSTEM=pci|PCI_SLOT_NAME=zzzz:0e:00.0",
		"remove@x|ACTION=removed|SUBSYSTEM=pci|PCI_SLOT_NAME=" TEST_TRADDR,
		"remove@x|ACTION=remove|SUBSYSTEM=block|PCI_SLOT_NAME=" TEST_TRADDR,
		"remove@x|ACTION=remove|SUBSYSTEM=pcie|PCI_SLOT_NAME=" TEST_TRADDR,
		"remove@x|XACTION=remove|SUBSYSTEM=pci|PCI_SLOT_NAME=" TEST_TRADDR,
		"remove@x|ACTION|SUBSYSTEM|PCI_SLOT_NAME|=|==|" TEST_TRADDR,
		"change@x|ACTION=change|SUBSYSTEM=pci|PCI_SLOT_NAME=" TEST_TRADDR,
		"bind@x|ACTION=bind|SUBSYSTEM=pci|DRIVER=nvme|PCI_SLOT_NAME=" TEST_TRADDR,
		"bind@x|ACTION=bind|SUBSYSTEM=pci|PCI_SLOT_NAME=" TEST_TRADDR,
	};
	struct io_result r = { 0 };
	struct seen s = { 0 };
	uint8_t *buf = dma_buf();
	char big[SRT_PCI_UEVENT_MAX + 1];
	uint32_t x = 0x2545f491;

	(void)state;
	attach(&s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		inject(bad[i], 0);
	/* The real message with its last string cut (no NUL): not read past its end. */
	inject("remove@x|ACTION=remove|SUBSYSTEM=pci|PCI_SLOT_NAME=" TEST_TRADDR, 1);
	/* Another function's removal, and one that is not attached anywhere. */
	inject_action("remove", OTHER_TRADDR);
	/* A full-size message without one NUL, and one longer than any uevent (refused). */
	memset(big, 'A', sizeof(big));
	assert_int_equal(srt_pci_hotplug_inject(big, SRT_PCI_UEVENT_MAX), 0);
	assert_int_equal(srt_pci_hotplug_inject(big, sizeof(big)), -EINVAL);
	assert_int_equal(srt_pci_hotplug_inject(NULL, 4), -EINVAL);
	/* Random bytes from the alphabet of the real thing (fixed seed). */
	for (int m = 0; m < 300; m++) {
		static const char alphabet[] = "ACTION=removeSUBSYSTEM=pciPCI_SLOT_NAME=0e:.\0|";
		char msg[256];
		size_t len;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		len = x % sizeof(msg);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			msg[i] = alphabet[x % (sizeof(alphabet) - 1)];
		}
		assert_int_equal(srt_pci_hotplug_inject(msg, len), 0);
	}
	assert_int_equal(probe_all(&s), 0);
	assert_int_equal(probe_all(&s), 0); /* and nothing is left for the next one */
	assert_int_equal(s.removed, 0);
	assert_int_equal(s.attached, 1);
	assert_false(spdkrt_nvme_ctrlr_is_failed(g_ctrlr));
	assert_int_equal(spdkrt_nvme_ns_cmd_read(spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512), g_qpair,
						 buf, 0, 1, io_done, &r, 0),
			 0);
	assert_true(poll_until(&r.done, 100));
	assert_false(spdkrt_nvme_cpl_is_error(&r.cpl));
	spdkrt_dma_free(buf);
	ctrlr_teardown(NULL);
}

static void test_bind_uevent_attaches(void **state)
{
	struct spdkrt_nvme_transport_id other;
	struct seen s = { 0 };

	(void)state;
	log_capture_start();
	model_start(NULL);
	/* A first probe that takes nothing (it opens the stream). */
	assert_int_equal(probe_all(&s), 0);
	assert_int_equal(s.probed, 1);
	assert_int_equal(s.attached, 0);
	/* A bind to a kernel driver is not spdkrt's; a bind outside the probe's address neither. */
	inject("bind@x|ACTION=bind|SUBSYSTEM=pci|DRIVER=nvme|PCI_SLOT_NAME=" TEST_TRADDR, 0);
	inject("bind@x|ACTION=bind|SUBSYSTEM=pci|DRIVER=vfio-pci|PCI_SLOT_NAME=" TEST_TRADDR, 0);
	assert_int_equal(spdkrt_nvme_transport_id_parse(&other, "trtype:PCIe traddr:" OTHER_TRADDR),
			 0);
	s.accept = true;
	assert_true(spdkrt_nvme_probe(&other, &s, NULL, attach_cb, remove_cb) < 0);
	assert_int_equal(s.probed, 1);
	assert_int_equal(s.attached, 0);
	/* Bound to uio_pci_generic: attached, once though the scan finds it too. */
	inject("bind@x|ACTION=bind|SUBSYSTEM=pci|DRIVER=uio_pci_generic|PCI_SLOT_NAME=" TEST_TRADDR,
	       0);
	assert_int_equal(probe_all(&s), 0);
	assert_int_equal(s.probed, 2);
	assert_int_equal(s.attached, 1);
	g_ctrlr = s.ctrlr;
	assert_false(spdkrt_nvme_ctrlr_is_failed(g_ctrlr));
	ctrlr_teardown(NULL);
}

/*
 * Reads kept in flight by another thread, which owns their queue pair and polls it (and the
 * model); the main thread probes meanwhile and hears of the removal.
 */
#define STREAM_DEPTH 4u

struct io_thread {
	pthread_t tid;
	struct spdkrt_nvme_qpair *qpair;
	struct spdkrt_nvme_ns *ns;
	uint8_t *buf;
	atomic_int stage;   /* 1: reads running, 2: the pair failed (or stopped) */
	atomic_uint reads;  /* completed without error */
	atomic_bool stop;   /* bounds the wait should the removal never be seen */
	unsigned failed;    /* owner thread only, read after the join */
	unsigned refused;   /* resubmissions refused (the removal came between two reads) */
	unsigned in_flight; /* owner thread only */
	int alloc_rc, last_rc, submit_after_rc;
};

static int stream_submit(struct io_thread *t);

static void stream_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct io_thread *t = arg;

	t->in_flight--;
	if (spdkrt_nvme_cpl_is_error(cpl)) {
		t->failed++;
		return;
	}
	atomic_fetch_add(&t->reads, 1);
	if (stream_submit(t) != 0)
		t->refused++;
}

static int stream_submit(struct io_thread *t)
{
	int rc = spdkrt_nvme_ns_cmd_read(t->ns, t->qpair, t->buf, 0, 1, stream_done, t, 0);

	if (rc == 0)
		t->in_flight++;
	return rc;
}

static void *io_thread_main(void *arg)
{
	struct io_thread *t = arg;
	int32_t rc = 0;

	/* The main thread waits meanwhile: the admin queue is used by one thread at a time. */
	t->alloc_rc = spdkrt_nvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &t->qpair);
	for (unsigned i = 0; t->alloc_rc == 0 && i < STREAM_DEPTH; i++)
		stream_submit(t);
	atomic_store(&t->stage, 1);
	while (t->alloc_rc == 0 && rc != -ENXIO && !atomic_load(&t->stop)) {
		srt_pci_model_poll_all();
		rc = spdkrt_nvme_qpair_process_completions(t->qpair, 0);
	}
	t->last_rc = rc;
	t->submit_after_rc = t->alloc_rc == 0 ? stream_submit(t) : 0;
	atomic_store(&t->stage, 2);
	return NULL;
}

static void test_remove_uevent_during_io_on_another_thread(void **state)
{
	uint64_t hz = spdkrt_get_ticks_hz(), deadline;
	struct io_thread t = { 0 };
	struct seen s = { 0 };

	(void)state;
	attach(&s);
	spdkrt_nvme_ctrlr_free_io_qpair(g_qpair); /* the other thread makes its own */
	g_qpair = NULL;
	t.ns = spdkrt_nvme_ctrlr_get_ns(g_ctrlr, NS_512);
	t.buf = dma_buf();
	assert_int_equal(pthread_create(&t.tid, NULL, io_thread_main, &t), 0);
	while (atomic_load(&t.stage) == 0)
		;
	assert_int_equal(t.alloc_rc, 0);
	deadline = spdkrt_get_ticks() + 10 * hz;
	while (atomic_load(&t.reads) < 200 && spdkrt_get_ticks() < deadline)
		;
	assert_true(atomic_load(&t.reads) >= 200);

	inject_action("remove", TEST_TRADDR);
	assert_int_equal(probe_all(&s), 0);
	assert_int_equal(s.removed, 1);
	deadline = spdkrt_get_ticks() + 10 * hz;
	while (atomic_load(&t.stage) != 2 && spdkrt_get_ticks() < deadline)
		assert_int_equal(spdkrt_nvme_ctrlr_process_admin_completions(g_ctrlr), -ENXIO);
	atomic_store(&t.stop, true);
	assert_int_equal(pthread_join(t.tid, NULL), 0);
	/* The owner saw it at its own poll: each read in flight failed, or completed and could not
	 * be sent again; nothing is left. */
	assert_int_equal(t.last_rc, -ENXIO);
	assert_int_equal(t.failed + t.refused, STREAM_DEPTH);
	assert_int_equal(t.in_flight, 0);
	assert_int_equal(t.submit_after_rc, -ENXIO);
	assert_int_equal(s.removed, 1);
	assert_int_equal(spdkrt_nvme_ctrlr_free_io_qpair(t.qpair), 0);
	spdkrt_dma_free(t.buf);
	ctrlr_teardown(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remove_uevent),
		cmocka_unit_test(test_unbind_uevent),
		cmocka_unit_test(test_detach_from_remove_callback),
		cmocka_unit_test(test_garbage_uevents),
		cmocka_unit_test(test_bind_uevent_attaches),
		cmocka_unit_test(test_remove_uevent_during_io_on_another_thread),
	};

	return cmocka_run_group_tests(tests, env_setup, env_teardown);
}
