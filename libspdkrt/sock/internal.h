/* SPDX-License-Identifier: BSD-3-Clause */
/* What the socket and the poll group share. */
#ifndef SRT_SOCK_INTERNAL_H
#define SRT_SOCK_INTERNAL_H

#include <sys/queue.h>

#include "sock/sock.h"

struct srt_tls;

struct srt_sock {
	int fd;
	int family;
	bool listening;
	/* Poll-group membership. */
	struct srt_sock_group *group;
	srt_sock_cb cb;
	void *cb_ctx;
	/* Closed while its group was polling: the group frees it when the poll ends. */
	bool closed;
	struct srt_sock *next_closed;
	/* TLS state (tls.c), NULL for plain TCP. */
	struct srt_tls *tls;
	/* On its group's ready list: called by the next poll without new bytes on the wire. */
	bool ready;
	TAILQ_ENTRY(srt_sock) ready_link;
};

/* Have the group's next poll call sock's callback even if epoll reports nothing (TLS holds
 * decrypted bytes, or waits to write). No-op outside a group. */
void srt_sock_group_mark_ready(struct srt_sock *sock);

/* Remove a socket being closed from its group. @return true when the group will free it (it
 * is inside srt_sock_group_poll()); false when the caller frees it now. */
bool srt_sock_group_forget(struct srt_sock_group *group, struct srt_sock *sock);

#endif
