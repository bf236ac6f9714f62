/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The nvme bdev module: one attached NVMe controller (struct nvme_bdev_ctrlr) whose active
 * namespaces are bdevs (struct nvme_bdev_ns). nvme_ctrlr.c attaches, removes and tears down;
 * nvme_io.c serves I/O on one I/O queue pair per controller per thread.
 */
#ifndef SRT_MODULES_NVME_H
#define SRT_MODULES_NVME_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <spdkrt/bdev_module.h>
#include <spdkrt/nvme.h>
#include <spdkrt/thread.h>

#define NVME_BDEV_NAME_MAX 48

struct nvme_bdev_ctrlr;

struct nvme_bdev_ns {
	TAILQ_ENTRY(nvme_bdev_ns) link;
	struct nvme_bdev_ctrlr *nctrlr;
	struct spdkrt_nvme_ns *ns;
	struct spdkrt_bdev *bdev; /* NULL once destructed */
	uint32_t nsid;
	uint32_t io_flags; /* PRACT for protection information namespaces */
	char name[NVME_BDEV_NAME_MAX + 16];
};

enum nvme_bdev_timeout_action {
	NVME_BDEV_TIMEOUT_NONE,
	NVME_BDEV_TIMEOUT_ABORT,
	NVME_BDEV_TIMEOUT_RESET, /* abort; reset when the abort fails or times out */
};

struct nvme_bdev_ctrlr {
	TAILQ_ENTRY(nvme_bdev_ctrlr) link;
	char name[NVME_BDEV_NAME_MAX];
	struct spdkrt_bdev_module *module;
	struct spdkrt_nvme_transport_id trid;
	struct spdkrt_nvme_ctrlr *ctrlr;
	/* The admin thread: attach, admin commands, reset and detach all run here. */
	struct spdkrt_thread *thread;
	/*
	 * The driver's admin queue serves one thread at a time: held (recursive) around every
	 * admin-queue use, including qpair allocation on channel threads and timeout aborts.
	 */
	pthread_mutex_t admin_lock;
	struct spdkrt_nvme_probe_ctx *probe;
	struct spdkrt_poller *admin_poller;
	int attach_rc;
	/* options from the spec */
	char hostnqn[SPDKRT_NVME_NQN_MAX]; /* fabrics; empty: the driver's default */
	bool hdgst;                        /* NVMe/TCP header and data digests */
	bool ddgst;
	uint32_t io_queue_size;
	uint32_t io_queue_requests;
	uint32_t retry_count;
	uint64_t admin_poll_us;
	uint64_t io_timeout_us;
	enum nvme_bdev_timeout_action timeout_action;
	/* Reconnect (SPDK's bdev_nvme names, in seconds; passed down in ms): 0, 0 = none. */
	uint32_t reconnect_delay_sec;
	int32_t ctrlr_loss_timeout_sec;    /* -1: forever */
	uint32_t fast_io_fail_timeout_sec; /* 0: I/O waits for the reconnect or the loss */
	spdkrt_bdev_create_cb create_cb;
	void *create_ctx;
	/* set by the driver's remove callback, on whichever thread saw the removal */
	atomic_bool removed;
	bool removing;
	bool io_device_registered;
	uint32_t live_bdevs;
	/* every namespace that had a bdev (bdev NULL once released), in nsid order of arrival */
	TAILQ_HEAD(, nvme_bdev_ns) ns_list;
	/* the last bdev's destruct, finished once the controller is detached */
	struct spdkrt_bdev *last_bdev;
	spdkrt_bdev_destruct_done_cb last_done;
	struct spdkrt_thread *last_thread;
};

struct nvme_bdev_channel;

/* The module's part of each I/O: what an admin-thread round trip carries. */
struct nvme_bdev_task {
	struct spdkrt_bdev_io *io;
	struct nvme_bdev_ns *nns;
	int rc;
	bool has_cpl;
	struct spdkrt_nvme_cpl cpl;
	/* Parked while the controller reconnects (nvme_io.c), on its channel's list. */
	struct nvme_bdev_channel *ch;
	TAILQ_ENTRY(nvme_bdev_task) park_link;
	uint64_t parked_since; /* ticks of the first failure; 0: never parked */
};

/* nvme_io.c: the I/O channel of a controller and the bdev function table. */
extern const struct spdkrt_bdev_fn_table nvme_bdev_fn_table;
int nvme_bdev_io_device_register(struct nvme_bdev_ctrlr *nctrlr);

/* nvme_ctrlr.c: a bdev is released; the last one of a controller detaches it. */
void nvme_bdev_ns_destruct(struct spdkrt_bdev *bdev, spdkrt_bdev_destruct_done_cb done);

#endif
