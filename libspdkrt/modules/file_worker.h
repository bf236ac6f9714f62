/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A file bdev's worker thread: the blocking system calls of its rare paths run here, never on
 * the reactor thread that polls the bdev (fallocate for write-zeroes and unmap and the written
 * zeroes that replace it, fdatasync where aio has no fsync, finishing a short read or write).
 * Started on first use, stopped when the bdev goes (by then all its I/O has completed). A job
 * completes its I/O from the worker: the bdev core forwards that to the submitting thread.
 */
#ifndef SRT_MODULES_FILE_WORKER_H
#define SRT_MODULES_FILE_WORKER_H

#include <pthread.h>
#include <stdbool.h>

#include "modules/file.h"

struct srt_file_worker {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct srt_file_req_list jobs; /* under lock */
	bool stop;                     /* under lock */
	bool started;                  /* under lock */
	pthread_t thread;
	struct srt_file *file;
};

void srt_file_worker_init(struct srt_file_worker *w, struct srt_file *file);

/*
 * Runs the blocking part of req on the worker and completes its I/O from there, by type:
 * write-zeroes and unmap (fallocate, else written zeroes), flush (fdatasync), read and write
 * (the rest of a short transfer after req->progress bytes). When no worker thread can be
 * started, runs it on the calling thread (logged).
 */
void srt_file_worker_run(struct srt_file_worker *w, struct srt_file_req *req);

/* Stops and joins the worker (its queue is empty: the bdev's I/O has all completed). */
void srt_file_worker_fini(struct srt_file_worker *w);

#endif
