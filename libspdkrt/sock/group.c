/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Poll groups: one epoll set per spdkrt thread; srt_sock_group_poll() never waits. Sockets
 * closed from a callback stay allocated until the poll returns, since later events of the
 * same epoll batch may still name them. A ready list holds sockets to call back without an
 * epoll event (TLS bytes already decrypted).
 */
#define SRT_LOG_COMPONENT "sock"
#include "sock/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "util/log.h"

#define GROUP_MAX_EVENTS 64

struct srt_sock_group {
	int epfd;
	unsigned num_socks;
	bool in_poll;
	struct srt_sock *closed;
	TAILQ_HEAD(, srt_sock) ready;
};

int srt_sock_group_create(struct srt_sock_group **pgroup)
{
	struct srt_sock_group *group;

	if (pgroup == NULL)
		return -EINVAL;
	group = calloc(1, sizeof(*group));
	if (group == NULL)
		return -ENOMEM;
	group->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (group->epfd < 0) {
		int rc = -errno;

		SRT_ERR("epoll_create1: %s", strerror(errno));
		free(group);
		return rc;
	}
	TAILQ_INIT(&group->ready);
	*pgroup = group;
	return 0;
}

int srt_sock_group_destroy(struct srt_sock_group **pgroup)
{
	struct srt_sock_group *group;

	if (pgroup == NULL || *pgroup == NULL)
		return -EINVAL;
	group = *pgroup;
	if (group->num_socks > 0) {
		SRT_ERR("poll group still has %u sockets", group->num_socks);
		return -EBUSY;
	}
	close(group->epfd);
	free(group);
	*pgroup = NULL;
	return 0;
}

int srt_sock_group_add(struct srt_sock_group *group, struct srt_sock *sock, srt_sock_cb cb,
		       void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = sock };

	if (group == NULL || sock == NULL || cb == NULL || sock->group != NULL)
		return -EINVAL;
	if (epoll_ctl(group->epfd, EPOLL_CTL_ADD, sock->fd, &ev) != 0) {
		SRT_ERR("epoll_ctl add: %s", strerror(errno));
		return -errno;
	}
	sock->group = group;
	sock->cb = cb;
	sock->cb_ctx = ctx;
	group->num_socks++;
	return 0;
}

int srt_sock_group_remove(struct srt_sock_group *group, struct srt_sock *sock)
{
	if (group == NULL || sock == NULL || sock->group != group)
		return -EINVAL;
	(void)epoll_ctl(group->epfd, EPOLL_CTL_DEL, sock->fd, NULL);
	if (sock->ready) {
		TAILQ_REMOVE(&group->ready, sock, ready_link);
		sock->ready = false;
	}
	sock->group = NULL;
	group->num_socks--;
	return 0;
}

bool srt_sock_group_forget(struct srt_sock_group *group, struct srt_sock *sock)
{
	bool in_poll = group->in_poll;

	srt_sock_group_remove(group, sock);
	if (!in_poll)
		return false;
	close(sock->fd);
	sock->fd = -1;
	sock->closed = true;
	sock->next_closed = group->closed;
	group->closed = sock;
	return true;
}

void srt_sock_group_mark_ready(struct srt_sock *sock)
{
	if (sock->group == NULL || sock->ready)
		return;
	sock->ready = true;
	TAILQ_INSERT_TAIL(&sock->group->ready, sock, ready_link);
}

/* Call back as many ready sockets as were listed at the start: one marked again by its own
 * callback waits for the next poll. */
static int poll_ready(struct srt_sock_group *group)
{
	struct srt_sock *sock;
	int listed = 0, n = 0;

	TAILQ_FOREACH(sock, &group->ready, ready_link)
		listed++;
	while (n < listed && (sock = TAILQ_FIRST(&group->ready)) != NULL) {
		TAILQ_REMOVE(&group->ready, sock, ready_link);
		sock->ready = false;
		sock->cb(sock->cb_ctx, sock);
		n++;
	}
	return n;
}

int srt_sock_group_poll(struct srt_sock_group *group, int max_events)
{
	struct epoll_event events[GROUP_MAX_EVENTS];
	int n;

	if (group == NULL || group->in_poll)
		return -EINVAL;
	if (max_events <= 0 || max_events > GROUP_MAX_EVENTS)
		max_events = GROUP_MAX_EVENTS;
	n = epoll_wait(group->epfd, events, max_events, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	group->in_poll = true;
	for (int i = 0; i < n; i++) {
		struct srt_sock *sock = events[i].data.ptr;

		/* Skip sockets a previous callback closed or removed. */
		if (sock->group == group)
			sock->cb(sock->cb_ctx, sock);
	}
	n += poll_ready(group);
	group->in_poll = false;
	while (group->closed != NULL) {
		struct srt_sock *sock = group->closed;

		group->closed = sock->next_closed;
		free(sock);
	}
	return n;
}
