/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target over the NVMe/TCP target's receive path: each input is a byte stream a host
 * sends on one connection to a real target (malloc namespace, 127.0.0.1). The stream goes in
 * whole, whatever the target answers is read and dropped, then the host hangs up. Invariants:
 * no crash or sanitizer report, the target ends every connection and releases everything it
 * held (the open-connection count returns to zero). Built as a libFuzzer binary by
 * scripts/test-fuzz.sh, and as tests/fuzz/nvmf_recv_replay (make check) that replays the
 * committed corpus (tests/fuzz/corpus/nvmf) and deterministic mutations of it.
 */
#include "nvmf_fuzz.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdkrt/bdev.h>
#include <spdkrt/env.h>
#include <spdkrt/log.h>
#include <spdkrt/nvmf.h>
#include <spdkrt/thread.h>

#include "env/backend.h"
#include "../unit/nvmf/test_host.h"

/* Polls of the target per input before it must have ended the connection. */
#define POLL_BUDGET 200000

static struct spdkrt_thread *g_thread;
static struct spdkrt_nvmf_tgt *g_tgt;
static uint16_t g_port;
/* An enabled controller (id 1) kept for the whole run, so that inputs can connect I/O queues
 * to it and reach the I/O path. */
static struct test_host g_admin;
static atomic_int g_admin_rc = 1;

static void *attach_admin(void *arg)
{
	(void)arg;
	atomic_store(&g_admin_rc, host_attach(&g_admin, g_port, FUZZ_NQN, 0, false));
	return NULL;
}

static void quiet_sink(void *ctx, enum spdkrt_log_level level, const char *component,
		       const char *message)
{
	(void)ctx;
	(void)level;
	(void)component;
	(void)message;
}

static int setup_target(void)
{
	struct spdkrt_nvmf_subsystem *s;
	struct spdkrt_env_opts opts;
	char addr[64], port[32];

	spdkrt_log_set_sink(quiet_sink, NULL);
	if (srt_env_set_backend(&srt_env_heap_backend) != 0)
		return -1;
	spdkrt_env_opts_init(&opts, sizeof(opts));
	opts.core_mask = "0";
	if (spdkrt_env_init(&opts) != 0 || spdkrt_thread_create("fuzz", &g_thread) != 0)
		return -1;
	spdkrt_set_thread(g_thread);
	if (spdkrt_bdev_create("malloc:name=F0,num_blocks=2048,block_size=512", NULL) != 0 ||
	    spdkrt_nvmf_tgt_create(NULL, &g_tgt) != 0 ||
	    spdkrt_nvmf_tgt_add_poll_group(g_tgt) != 0 ||
	    spdkrt_nvmf_tgt_listen(g_tgt, "tcp", "127.0.0.1", "0") != 0 ||
	    spdkrt_nvmf_tgt_get_listener(g_tgt, 0, addr, sizeof(addr), port, sizeof(port)) != 0 ||
	    spdkrt_nvmf_subsystem_create(g_tgt, FUZZ_NQN, &s) != 0 ||
	    spdkrt_nvmf_subsystem_set_allow_any_host(s, true) != 0 ||
	    spdkrt_nvmf_subsystem_add_ns(s, "F0", NULL, NULL) != 0)
		return -1;
	g_port = (uint16_t)atoi(port);
	{
		pthread_t t;

		if (pthread_create(&t, NULL, attach_admin, NULL) != 0)
			return -1;
		while (atomic_load(&g_admin_rc) == 1)
			spdkrt_thread_poll(g_thread, 0, 0);
		pthread_join(t, NULL);
	}
	return atomic_load(&g_admin_rc) == 0 && g_admin.cntlid == FUZZ_CNTLID ? 0 : -1;
}

static void destroyed(void *ctx, int status)
{
	(void)status;
	*(bool *)ctx = true;
}

static void bdev_destroyed(void *ctx, int status)
{
	(void)status;
	*(bool *)ctx = true;
}

void nvmf_fuzz_cleanup(void)
{
	struct spdkrt_nvmf_stats st;
	bool done = false;

	if (g_tgt == NULL)
		return;
	memset(&st, 0, sizeof(st));
	spdkrt_nvmf_tgt_get_stats(g_tgt, &st, sizeof(st));
	printf("nvmf fuzz: %lu commands (%lu failed), %lu bytes written, %lu read, %lu protocol "
	       "errors\n",
	       (unsigned long)st.commands, (unsigned long)st.command_errors,
	       (unsigned long)st.bytes_written, (unsigned long)st.bytes_read,
	       (unsigned long)st.protocol_errors);
	host_close(&g_admin);
	spdkrt_nvmf_tgt_destroy(g_tgt, destroyed, &done);
	while (!done)
		spdkrt_thread_poll(g_thread, 0, 0);
	done = false;
	spdkrt_bdev_destroy("F0", bdev_destroyed, &done);
	while (!done)
		spdkrt_thread_poll(g_thread, 0, 0);
	spdkrt_thread_exit(g_thread);
	while (!spdkrt_thread_is_exited(g_thread))
		spdkrt_thread_poll(g_thread, 0, 0);
	spdkrt_thread_destroy(g_thread);
	spdkrt_set_thread(NULL);
	spdkrt_env_fini();
	spdkrt_log_set_sink(NULL, NULL);
	g_tgt = NULL;
}

static uint64_t open_connections(void)
{
	struct spdkrt_nvmf_stats st;

	memset(&st, 0, sizeof(st));
	spdkrt_nvmf_tgt_get_stats(g_tgt, &st, sizeof(st));
	return st.connections_open;
}

/* A connected non-blocking socket to sa, or -errno; the handshake is the kernel's on loopback. */
static int connect_nonblocking(const struct sockaddr_in *sa)
{
	struct pollfd pfd = { .events = POLLOUT };
	socklen_t len = sizeof(int);
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0) {
		if (errno != EINPROGRESS && errno != EINTR) {
			err = -errno;
			close(fd);
			return err;
		}
		pfd.fd = fd;
		while (poll(&pfd, 1, 1000) < 0 && errno == EINTR)
			;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0 ||
		    !(pfd.revents & POLLOUT)) {
			close(fd);
			return -(err != 0 ? err : ETIMEDOUT);
		}
	}
	return fd;
}

int nvmf_fuzz_one(const uint8_t *data, size_t size)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint8_t sink[65536];
	size_t sent = 0;
	bool eof = false;
	int fd, polls;

	if (g_tgt == NULL && setup_target() != 0) {
		fprintf(stderr, "nvmf fuzz: cannot set up the target\n");
		abort();
	}
	sa.sin_port = htons(g_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Non-blocking connect: libFuzzer's SIGALRM interrupts a blocking one (EINTR). */
	fd = connect_nonblocking(&sa);
	if (fd < 0) {
		fprintf(stderr, "nvmf fuzz: connect to the target: %s\n", strerror(-fd));
		abort();
	}
	for (polls = 0; polls < POLL_BUDGET && !eof; polls++) {
		ssize_t n;

		if (sent < size) {
			n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				sent = size; /* the target already hung up */
			if (sent == size)
				shutdown(fd, SHUT_WR);
		}
		spdkrt_thread_poll(g_thread, 0, 0);
		n = recv(fd, sink, sizeof(sink), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			eof = true;
		/* A stream that ends in the middle of a PDU leaves the target waiting: fine,
		 * the host hanging up below ends it. */
		if (sent == size && polls > 2000 && n < 0)
			break;
	}
	close(fd);
	/* The kept admin connection stays. */
	for (polls = 0; polls < POLL_BUDGET && open_connections() > 1; polls++)
		spdkrt_thread_poll(g_thread, 0, 0);
	if (open_connections() > 1) {
		fprintf(stderr, "nvmf fuzz: a connection was never released\n");
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return nvmf_fuzz_one(data, size);
}
