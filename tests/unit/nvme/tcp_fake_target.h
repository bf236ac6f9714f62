/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small NVMe/TCP target for host tests, written from the transport specification with plain
 * sockets on 127.0.0.1: it answers ICReq, Connect, Property Get/Set, Identify, Get Log Page
 * (a discovery log of any size, whose generation can change between reads), Set Features,
 * Keep Alive, and Read/Write on I/O queues (in-capsule or through one R2T). On purpose it can
 * misbehave at one chosen command: bad ICResp fields, wrong lengths, offsets, command ids and
 * digests, a TermReq, a connection closed in the middle of a PDU, or silence. The real host
 * driver must turn each into an error and a log line, never a crash, an overflow or a hang.
 */
#ifndef SPDKRT_TEST_TCP_FAKE_TARGET_H
#define SPDKRT_TEST_TCP_FAKE_TARGET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <spdkrt/nvme.h>

/* What the target does wrong, at the command chosen by fault_on_io (the first Read or Write
 * of an I/O queue) or else at Identify Controller on the admin queue. */
enum fake_fault {
	FAKE_FAULT_NONE,
	FAKE_FAULT_C2H_BEYOND_BUFFER, /* C2HData longer than the command's data */
	FAKE_FAULT_C2H_BAD_OFFSET,    /* C2HData whose offset skips the start */
	FAKE_FAULT_C2H_UNKNOWN_CID,   /* C2HData for a command id never sent */
	FAKE_FAULT_RESP_UNKNOWN_CID,  /* CapsuleResp for a command id never sent */
	FAKE_FAULT_HUGE_PLEN,         /* a header announcing a 2 GiB PDU, then nothing */
	FAKE_FAULT_BAD_HLEN,          /* CapsuleResp with a wrong header length */
	FAKE_FAULT_BAD_PDO,           /* C2HData whose data starts inside its header */
	FAKE_FAULT_BAD_HDGST,         /* a wrong header digest (needs header digests) */
	FAKE_FAULT_BAD_DDGST,         /* a wrong data digest (needs data digests) */
	FAKE_FAULT_CLOSE_MID_PDU,     /* half a header, then the connection closes */
	FAKE_FAULT_SUCCESS_NO_LAST,   /* C2HData with SUCCESS but not LAST_PDU */
	FAKE_FAULT_SUCCESS_SHORT,     /* C2HData with SUCCESS carrying half the data */
	FAKE_FAULT_TERM_REQ,          /* a C2HTermReq instead of an answer */
	FAKE_FAULT_UNKNOWN_PDU,       /* a PDU of an undefined type */
	FAKE_FAULT_SILENT,            /* no answer at all */
	FAKE_FAULT_R2T_BEYOND,        /* an R2T for more data than the command has */
	FAKE_FAULT_R2T_UNKNOWN_CID,   /* an R2T for a command id never sent */
};

struct fake_target_opts {
	/* ICResp */
	uint16_t pfv;
	uint8_t cpda;
	uint32_t maxh2cdata;  /* 0: 128 KiB */
	bool flip_digests;    /* answer the digests the host did not ask for */
	uint8_t icresp_type;  /* 0: ICResp; else this PDU type */
	uint32_t icresp_plen; /* 0: 128 */
	/* Identify */
	bool discovery; /* a discovery controller (CNTRLTYPE 2, no namespaces) */
	bool no_edlp;   /* LPA.EDLP clear: no log page offsets */
	/* The discovery log */
	uint32_t numrec;
	uint64_t claimed_numrec;     /* 0: numrec; else the header says this many */
	uint32_t genctr_bump_reads;  /* after this many log reads, the log gains an entry */
	uint32_t genctr_bump_always; /* non-zero: every read is a new generation */
	/* Namespace 1 of an I/O controller */
	uint64_t num_blocks; /* 0: 1024 blocks of 512 bytes */
	/* Writes through R2T: ask for at most this many bytes per R2T (0: all at once), so later
	 * R2Ts have a non-zero offset (R2TO). */
	uint32_t r2t_chunk;
	/* Keep alive: drop the admin connection when no Keep Alive came for the KATO of Connect
	 * (as a real controller does). */
	bool enforce_kato;
	/* The first I/O queue's connection is handed to the test once its Connect is answered
	 * (in hand_fd): the test then plays the target on it, in step with its own callbacks. */
	bool hand_over_io;
	enum fake_fault fault;
	bool fault_on_io;
};

struct fake_target {
	struct fake_target_opts opts;
	int listen_fd;
	uint16_t port;
	pthread_t acceptor;
	atomic_bool stop;
	pthread_mutex_t lock;
	uint64_t genctr;
	uint32_t numrec;
	uint32_t log_reads;
	bool fault_done;
	unsigned connections;
	unsigned threads;
	pthread_t conn_threads[16];
	int conn_fds[16];
	uint8_t *blocks; /* namespace 1 */
	int hand_fd;     /* hand_over_io: the I/O queue's socket (-1 until then; under lock) */
	/* What the host sent, for the tests to check (under lock). */
	uint32_t r2ts;          /* R2Ts sent */
	uint32_t h2c_pdus;      /* H2CData PDUs received */
	uint32_t h2c_max_datal; /* the largest of them */
	uint32_t h2c_errors;    /* bad offset, length, ttag, LAST_PDU flag or data digest */
	uint32_t keep_alives;   /* Keep Alive commands */
	uint32_t kato_ms;       /* KATO of the last admin Connect */
	uint32_t kato_expired;  /* admin connections dropped for a missed keep alive */
};

/* Listens on 127.0.0.1 (a free port, in t->port) and serves connections on threads. 0/-errno. */
int fake_target_start(struct fake_target *t, const struct fake_target_opts *opts);
/* Closes every connection and joins every thread. */
void fake_target_stop(struct fake_target *t);
/* Sends all of buf on a connection (a handed-over one too): 0, or -1 when it closed or failed. */
int fake_target_send_all(int fd, const void *buf, size_t len);
/* A transport ID for it: the discovery NQN when opts.discovery, else FAKE_TARGET_NQN. */
#define FAKE_TARGET_NQN "nqn.2026-12.io.spdkrt:fake"
void fake_target_trid(const struct fake_target *t, char *buf, size_t size);

/* cmocka group setup and teardown of the tests that use it: the environment without hugepages
 * on core 0. */
int fake_target_env_setup(void **state);
int fake_target_env_teardown(void **state);

/* One command waited for by polling: set by cmd_wait_done, its callback. */
struct cmd_wait {
	bool done;
	bool error;
};

static inline void cmd_wait_done(void *arg, const struct spdkrt_nvme_cpl *cpl)
{
	struct cmd_wait *w = arg;

	w->done = true;
	w->error = spdkrt_nvme_cpl_is_error(cpl);
}

#endif
