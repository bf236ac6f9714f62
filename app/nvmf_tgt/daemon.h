/* SPDX-License-Identifier: BSD-3-Clause */
/* spdkrt-nvmf-tgt: what its files share. Everything runs on the app thread. */
#ifndef NVMF_TGT_DAEMON_H
#define NVMF_TGT_DAEMON_H

#include <stdbool.h>

#include <json-c/json.h>

#include <spdkrt.h>

/* A bdev this daemon made, with the spec it was made from (save_config writes it back). */
struct daemon_bdev {
	struct daemon_bdev *next;
	char *name;
	char *spec;
};

struct daemon {
	struct spdkrt_nvmf_tgt *tgt;
	struct spdkrt_nvmf_tgt_opts tgt_opts;
	struct daemon_bdev *bdevs;
	const char *config_path;
	const char *rpc_path;
	bool stopping;
};

extern struct daemon g_daemon;

/* config.c: apply a configuration object (bdevs, target options, listeners, subsystems).
 * Target options are read by daemon_config_tgt_opts() before the target exists. */
int daemon_config_tgt_opts(struct json_object *config, struct spdkrt_nvmf_tgt_opts *opts);
int daemon_config_apply(struct json_object *config);
/* The running configuration, in the same format. */
struct json_object *daemon_config_dump(void);

/* host_keys.c: allow a host, with a TLS PSK given inline or in a file (both NULL: none); the
 * host as save_config writes it (an NQN string, or an object with its key); forget them all. */
int daemon_host_add(struct spdkrt_nvmf_subsystem *s, const char *hostnqn, const char *psk,
		    const char *psk_file);
struct json_object *daemon_host_dump(struct spdkrt_nvmf_subsystem *s, const char *hostnqn);
void daemon_host_keys_free(void);

/* bdevs.c: create a bdev from a spec and remember it; destroy one. */
int daemon_bdev_create(const char *spec, const char **name);
int daemon_bdev_destroy(const char *name, spdkrt_bdev_done_cb done, void *ctx);
/* Destroy every bdev the daemon made, last made first; then done(ctx). */
void daemon_bdevs_destroy_all(void (*done)(void *ctx), void *ctx);

/* rpc_server.c */
int rpc_server_start(const char *path);
void rpc_server_stop(void);

/* A JSON-RPC request being answered (possibly later, for asynchronous methods). */
struct rpc_request;
void rpc_reply(struct rpc_request *req, struct json_object *result);
void rpc_reply_error(struct rpc_request *req, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* rpc_methods.c: run method with params (NULL when absent). */
void rpc_dispatch(struct rpc_request *req, const char *method, struct json_object *params);

/* JSON-RPC error codes. */
#define RPC_INVALID_REQUEST -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS -32602
#define RPC_INTERNAL_ERROR -32603
#define RPC_PARSE_ERROR -32700

#endif
