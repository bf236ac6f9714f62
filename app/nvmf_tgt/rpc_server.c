/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON-RPC 2.0 over a Unix socket (mode 0600: only the owner may change the target). Polled
 * from the app thread: each connection's bytes go through an incremental JSON parser, so
 * requests may arrive split or back to back; each complete request is dispatched and answered
 * on the same connection, possibly later (asynchronous methods).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"

#define RPC_POLL_US 1000
#define RPC_MAX_CONNS 16
/* A request bigger than this is refused (a configuration fits many times over). */
#define RPC_MAX_REQUEST (1u << 20)

struct rpc_conn {
	int fd;
	struct json_tokener *tok;
	size_t request_bytes;
	/* Requests dispatched and not answered yet: the connection stays until they are. */
	unsigned pending;
	bool closing;
};

struct rpc_request {
	struct rpc_conn *conn;
	struct json_object *id;
};

static int g_listen_fd = -1;
static char g_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static struct rpc_conn *g_conns[RPC_MAX_CONNS];
static struct spdkrt_poller *g_poller;

static void conn_free(struct rpc_conn *c)
{
	for (int i = 0; i < RPC_MAX_CONNS; i++)
		if (g_conns[i] == c)
			g_conns[i] = NULL;
	close(c->fd);
	json_tokener_free(c->tok);
	free(c);
}

/* Write the whole response; the client reads it promptly, so wait a little when it is full. */
static void conn_write(struct rpc_conn *c, const char *text)
{
	size_t len = strlen(text), off = 0;

	while (off < len && !c->closing) {
		ssize_t n = send(c->fd, text + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			off += (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd p = { .fd = c->fd, .events = POLLOUT };

			if (poll(&p, 1, 1000) <= 0)
				c->closing = true;
		} else {
			c->closing = true;
		}
	}
	if (!c->closing)
		(void)send(c->fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void respond(struct rpc_request *req, struct json_object *body)
{
	struct rpc_conn *c = req->conn;

	json_object_object_add(body, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(body, "id", req->id != NULL ? json_object_get(req->id) : NULL);
	conn_write(c, json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
	json_object_put(body);
	json_object_put(req->id);
	free(req);
	if (--c->pending == 0 && c->closing)
		conn_free(c);
}

void rpc_reply(struct rpc_request *req, struct json_object *result)
{
	struct json_object *body = json_object_new_object();

	json_object_object_add(body, "result",
			       result != NULL ? result : json_object_new_boolean(1));
	respond(req, body);
}

void rpc_reply_error(struct rpc_request *req, int code, const char *fmt, ...)
{
	struct json_object *body = json_object_new_object(), *err = json_object_new_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(err, "code", json_object_new_int(code));
	json_object_object_add(err, "message", json_object_new_string(msg));
	json_object_object_add(body, "error", err);
	respond(req, body);
}

static void handle_request(struct rpc_conn *c, struct json_object *obj)
{
	struct rpc_request *req = calloc(1, sizeof(*req));
	struct json_object *v, *params = NULL;
	const char *method = NULL;

	if (req == NULL)
		return;
	req->conn = c;
	c->pending++;
	if (json_object_object_get_ex(obj, "id", &v))
		req->id = json_object_get(v);
	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, "jsonrpc", &v) ||
	    strcmp(json_object_get_string(v), "2.0") != 0 ||
	    !json_object_object_get_ex(obj, "method", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		rpc_reply_error(req, RPC_INVALID_REQUEST, "not a JSON-RPC 2.0 request");
		return;
	}
	method = json_object_get_string(v);
	if (json_object_object_get_ex(obj, "params", &params) && params != NULL &&
	    !json_object_is_type(params, json_type_object)) {
		rpc_reply_error(req, RPC_INVALID_PARAMS, "params must be an object");
		return;
	}
	rpc_dispatch(req, method, params);
}

/* Feed received bytes to the parser; dispatch every complete request. */
static void conn_feed(struct rpc_conn *c, const char *buf, size_t len)
{
	while (len > 0 && !c->closing) {
		struct json_object *obj;
		size_t used;

		/* Skip the whitespace between requests. */
		if (c->request_bytes == 0 &&
		    (*buf == '\n' || *buf == ' ' || *buf == '\r' || *buf == '\t')) {
			buf++;
			len--;
			continue;
		}
		obj = json_tokener_parse_ex(c->tok, buf, (int)len);
		used = json_tokener_get_parse_end(c->tok);
		c->request_bytes += used;
		if (obj == NULL && json_tokener_get_error(c->tok) == json_tokener_continue) {
			if (c->request_bytes > RPC_MAX_REQUEST)
				c->closing = true;
			return;
		}
		if (obj == NULL) {
			struct rpc_request *req = calloc(1, sizeof(*req));

			c->closing = true;
			if (req != NULL) {
				req->conn = c;
				c->pending++;
				rpc_reply_error(
					req, RPC_PARSE_ERROR, "parse error: %s",
					json_tokener_error_desc(json_tokener_get_error(c->tok)));
			}
			return;
		}
		json_tokener_reset(c->tok);
		c->request_bytes = 0;
		handle_request(c, obj);
		json_object_put(obj);
		buf += used;
		len -= used;
	}
}

static void conn_poll(struct rpc_conn *c)
{
	char buf[4096];
	ssize_t n = -1;

	c->pending++; /* hold c while requests run */
	while (!c->closing && (n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT)) != 0) {
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				c->closing = true;
			if (errno == EAGAIN)
				break;
			continue;
		}
		conn_feed(c, buf, (size_t)n);
	}
	if (n == 0)
		c->closing = true;
	if (--c->pending == 0 && c->closing)
		conn_free(c);
}

static int rpc_poll(void *ctx)
{
	int fd;

	(void)ctx;
	while ((fd = accept4(g_listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct rpc_conn *c = NULL;
		int slot = -1;

		for (int i = 0; i < RPC_MAX_CONNS && slot < 0; i++)
			if (g_conns[i] == NULL)
				slot = i;
		if (slot >= 0 && (c = calloc(1, sizeof(*c))) != NULL &&
		    (c->tok = json_tokener_new()) != NULL) {
			c->fd = fd;
			g_conns[slot] = c;
			continue;
		}
		fprintf(stderr, "spdkrt-nvmf-tgt: RPC: too many connections\n");
		free(c);
		close(fd);
	}
	for (int i = 0; i < RPC_MAX_CONNS; i++)
		if (g_conns[i] != NULL && !g_conns[i]->closing)
			conn_poll(g_conns[i]);
	return 0;
}

int rpc_server_start(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "spdkrt-nvmf-tgt: RPC socket path too long: %s\n", path);
		return -EINVAL;
	}
	strcpy(sa.sun_path, path);
	strcpy(g_path, path);
	g_listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (g_listen_fd < 0)
		return -errno;
	/* A stale socket of an earlier run that is gone: nobody answers on it. */
	if (connect(g_listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		fprintf(stderr, "spdkrt-nvmf-tgt: another target answers on %s\n", path);
		close(g_listen_fd);
		return -EADDRINUSE;
	}
	close(g_listen_fd);
	unlink(path);
	g_listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	old = umask(0077);
	rc = bind(g_listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || listen(g_listen_fd, 16) != 0 || chmod(path, 0600) != 0) {
		rc = -errno;
		fprintf(stderr, "spdkrt-nvmf-tgt: RPC socket %s: %s\n", path, strerror(-rc));
		close(g_listen_fd);
		g_listen_fd = -1;
		return rc;
	}
	rc = spdkrt_poller_register(rpc_poll, NULL, RPC_POLL_US, &g_poller);
	if (rc != 0)
		rpc_server_stop();
	return rc;
}

void rpc_server_stop(void)
{
	spdkrt_poller_unregister(&g_poller);
	for (int i = 0; i < RPC_MAX_CONNS; i++) {
		if (g_conns[i] != NULL) {
			g_conns[i]->closing = true;
			if (g_conns[i]->pending == 0)
				conn_free(g_conns[i]);
		}
	}
	if (g_listen_fd >= 0) {
		close(g_listen_fd);
		unlink(g_path);
	}
	g_listen_fd = -1;
}
