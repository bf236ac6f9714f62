/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker thread of a file bdev: see file_worker.h. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "modules/file_worker.h"

#define SRT_LOG_COMPONENT "file"
#include "util/log.h"

void srt_file_worker_init(struct srt_file_worker *w, struct srt_file *file)
{
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	STAILQ_INIT(&w->jobs);
	w->stop = false;
	w->started = false;
	w->file = file;
}

/* Plain writes of zeroes over the range, until done or failed. */
static int write_zeroes(const struct srt_file *f, const struct srt_file_req *req)
{
	struct srt_file_zero_op z = { .offset = req->offset, .left = req->len };
	const void *zeroes = srt_file_zeroes();
	int rc;

	if (zeroes == NULL)
		return -ENOMEM;
	do {
		ssize_t r = pwrite(f->fd, zeroes, srt_file_zero_len(&z), (off_t)z.offset);

		if (r < 0 && errno == EINTR)
			rc = 1;
		else
			rc = srt_file_zero_advance(&z, r < 0 ? -errno : (long)r);
	} while (rc > 0);
	return rc;
}

static int zero_range(struct srt_file *f, const struct srt_file_req *req)
{
	int mode = srt_file_fallocate_mode(f, req->type);

	if (mode != 0) {
		int rc = fallocate(f->fd, mode, (off_t)req->offset, (off_t)req->len) == 0 ? 0 :
											    -errno;

		if (!srt_file_fallocate_unsupported(rc))
			return rc;
		srt_file_fallocate_refused(f, req->type);
	}
	return write_zeroes(f, req);
}

static void run_job(struct srt_file *f, struct srt_file_req *req)
{
	int rc;

	switch (req->type) {
	case SPDKRT_BDEV_IO_UNMAP:
	case SPDKRT_BDEV_IO_WRITE_ZEROES:
		rc = zero_range(f, req);
		break;
	case SPDKRT_BDEV_IO_FLUSH:
		rc = fdatasync(f->fd) == 0 ? 0 : -errno;
		break;
	case SPDKRT_BDEV_IO_READ:
	case SPDKRT_BDEV_IO_WRITE:
		rc = srt_file_finish_short(f, req, req->progress);
		break;
	default:
		rc = -ENOTSUP;
		break;
	}
	spdkrt_bdev_io_complete(req->io, rc);
}

static void *worker_main(void *arg)
{
	struct srt_file_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct srt_file_req *req;

		while (!w->stop && STAILQ_EMPTY(&w->jobs))
			pthread_cond_wait(&w->wake, &w->lock);
		req = STAILQ_FIRST(&w->jobs);
		if (req == NULL) /* stopping with nothing left */
			break;
		STAILQ_REMOVE_HEAD(&w->jobs, link);
		pthread_mutex_unlock(&w->lock);
		/* The I/O is the core's once completed: req is not touched after this. */
		run_job(w->file, req);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

void srt_file_worker_run(struct srt_file_worker *w, struct srt_file_req *req)
{
	bool inline_run = false;

	pthread_mutex_lock(&w->lock);
	if (!w->started) {
		int rc = pthread_create(&w->thread, NULL, worker_main, w);

		if (rc == 0) {
			w->started = true;
		} else {
			inline_run = true;
			SRT_ERR("'%s': no worker thread (%s): its blocking calls run on the polling "
				"thread",
				w->file->path, spdkrt_strerror(-rc));
		}
	}
	if (!inline_run) {
		STAILQ_INSERT_TAIL(&w->jobs, req, link);
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	if (inline_run)
		run_job(w->file, req);
}

void srt_file_worker_fini(struct srt_file_worker *w)
{
	bool started;

	pthread_mutex_lock(&w->lock);
	w->stop = true;
	started = w->started;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	if (started)
		pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
}
