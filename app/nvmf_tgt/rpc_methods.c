/* SPDX-License-Identifier: BSD-3-Clause */
/* The JSON-RPC methods of spdkrt-nvmf-tgt (names as SPDK's rpc.py users know them). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

typedef void (*rpc_fn)(struct rpc_request *req, struct json_object *params);

static const char *param_str(struct json_object *params, const char *key)
{
	struct json_object *v;

	if (params == NULL || !json_object_object_get_ex(params, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool param_int(struct json_object *params, const char *key, int64_t *out)
{
	struct json_object *v;

	if (params == NULL || !json_object_object_get_ex(params, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

static bool param_bool(struct json_object *params, const char *key, bool *out)
{
	struct json_object *v;

	if (params == NULL || !json_object_object_get_ex(params, key, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

/* The subsystem named by params.nqn, or an error reply and NULL. */
static struct spdkrt_nvmf_subsystem *param_subsystem(struct rpc_request *req,
						     struct json_object *params)
{
	const char *nqn = param_str(params, "nqn");
	struct spdkrt_nvmf_subsystem *s;

	if (nqn == NULL) {
		rpc_reply_error(req, RPC_INVALID_PARAMS, "nqn (string) is required");
		return NULL;
	}
	s = spdkrt_nvmf_tgt_find_subsystem(g_daemon.tgt, nqn);
	if (s == NULL)
		rpc_reply_error(req, -ENODEV, "no subsystem %s", nqn);
	return s;
}

static void reply_rc(struct rpc_request *req, int rc, const char *what)
{
	if (rc == 0)
		rpc_reply(req, NULL);
	else
		rpc_reply_error(req, rc, "%s: %s", what, strerror(-rc));
}

static void bdev_create(struct rpc_request *req, struct json_object *params)
{
	const char *spec = param_str(params, "spec"), *name;
	int rc;

	if (spec == NULL) {
		rpc_reply_error(req, RPC_INVALID_PARAMS, "spec (string) is required");
		return;
	}
	rc = daemon_bdev_create(spec, &name);
	if (rc != 0)
		rpc_reply_error(req, rc, "bdev %s: %s", spec, strerror(-rc));
	else
		rpc_reply(req, json_object_new_string(name));
}

static void bdev_destroyed(void *ctx, int status)
{
	reply_rc(ctx, status, "bdev_destroy");
}

static void bdev_destroy(struct rpc_request *req, struct json_object *params)
{
	const char *name = param_str(params, "name");
	int rc;

	if (name == NULL) {
		rpc_reply_error(req, RPC_INVALID_PARAMS, "name (string) is required");
		return;
	}
	rc = daemon_bdev_destroy(name, bdev_destroyed, req);
	if (rc != 0)
		rpc_reply_error(req, rc, "bdev %s: %s", name, strerror(-rc));
}

static void bdev_get_bdevs(struct rpc_request *req, struct json_object *params)
{
	struct json_object *list = json_object_new_array();

	(void)params;
	for (struct spdkrt_bdev *b = spdkrt_bdev_first(); b != NULL; b = spdkrt_bdev_next(b)) {
		struct json_object *o = json_object_new_object();
		struct spdkrt_bdev_stats st;

		json_object_object_add(o, "name", json_object_new_string(spdkrt_bdev_get_name(b)));
		json_object_object_add(o, "product_name",
				       json_object_new_string(spdkrt_bdev_get_product_name(b)));
		json_object_object_add(o, "block_size",
				       json_object_new_int64(spdkrt_bdev_get_block_size(b)));
		json_object_object_add(
			o, "num_blocks",
			json_object_new_int64((int64_t)spdkrt_bdev_get_num_blocks(b)));
		json_object_object_add(o, "claimed",
				       json_object_new_boolean(spdkrt_bdev_is_claimed(b)));
		memset(&st, 0, sizeof(st));
		if (spdkrt_bdev_get_stats(b, &st, sizeof(st)) == 0) {
			json_object_object_add(
				o, "bytes_read",
				json_object_new_int64((int64_t)st.bytes[SPDKRT_BDEV_IO_READ]));
			json_object_object_add(
				o, "bytes_written",
				json_object_new_int64((int64_t)st.bytes[SPDKRT_BDEV_IO_WRITE]));
			json_object_object_add(o, "errors",
					       json_object_new_int64((int64_t)st.errors));
		}
		json_object_array_add(list, o);
	}
	rpc_reply(req, list);
}

static void nvmf_create_subsystem(struct rpc_request *req, struct json_object *params)
{
	const char *nqn = param_str(params, "nqn"), *sn = param_str(params, "serial_number");
	const char *mn = param_str(params, "model_number");
	struct spdkrt_nvmf_subsystem *s;
	bool any = false;
	int rc;

	if (nqn == NULL) {
		rpc_reply_error(req, RPC_INVALID_PARAMS, "nqn (string) is required");
		return;
	}
	rc = spdkrt_nvmf_subsystem_create(g_daemon.tgt, nqn, &s);
	if (rc == 0 && sn != NULL)
		rc = spdkrt_nvmf_subsystem_set_serial_number(s, sn);
	if (rc == 0 && mn != NULL)
		rc = spdkrt_nvmf_subsystem_set_model_number(s, mn);
	if (rc == 0 && param_bool(params, "allow_any_host", &any))
		rc = spdkrt_nvmf_subsystem_set_allow_any_host(s, any);
	if (rc != 0 && spdkrt_nvmf_tgt_find_subsystem(g_daemon.tgt, nqn) == s && s != NULL &&
	    rc != -EEXIST)
		spdkrt_nvmf_subsystem_destroy(s);
	reply_rc(req, rc, nqn);
}

static void nvmf_delete_subsystem(struct rpc_request *req, struct json_object *params)
{
	struct spdkrt_nvmf_subsystem *s = param_subsystem(req, params);

	if (s != NULL)
		reply_rc(req, spdkrt_nvmf_subsystem_destroy(s), "nvmf_delete_subsystem");
}

static void nvmf_subsystem_add_ns(struct rpc_request *req, struct json_object *params)
{
	struct spdkrt_nvmf_subsystem *s = param_subsystem(req, params);
	const char *bdev = param_str(params, "bdev_name");
	struct spdkrt_nvmf_ns_opts o;
	int64_t nsid = 0;
	uint32_t got;
	int rc;

	if (s == NULL)
		return;
	if (bdev == NULL) {
		rpc_reply_error(req, RPC_INVALID_PARAMS, "bdev_name (string) is required");
		return;
	}
	spdkrt_nvmf_ns_opts_init(&o, sizeof(o));
	if (param_int(params, "nsid", &nsid) && (nsid < 0 || nsid > SPDKRT_NVMF_MAX_NAMESPACES)) {
		rpc_reply_error(req, RPC_INVALID_PARAMS, "nsid out of 1..%u",
				SPDKRT_NVMF_MAX_NAMESPACES);
		return;
	}
	o.nsid = (uint32_t)nsid;
	rc = spdkrt_nvmf_subsystem_add_ns(s, bdev, &o, &got);
	if (rc != 0)
		rpc_reply_error(req, rc, "namespace of bdev %s: %s", bdev, strerror(-rc));
	else
		rpc_reply(req, json_object_new_int64(got));
}

static void nvmf_subsystem_remove_ns(struct rpc_request *req, struct json_object *params)
{
	struct spdkrt_nvmf_subsystem *s = param_subsystem(req, params);
	int64_t nsid;

	if (s == NULL)
		return;
	if (!param_int(params, "nsid", &nsid) || nsid <= 0 || nsid > UINT32_MAX) {
		rpc_reply_error(req, RPC_INVALID_PARAMS, "nsid (integer) is required");
		return;
	}
	reply_rc(req, spdkrt_nvmf_subsystem_remove_ns(s, (uint32_t)nsid),
		 "nvmf_subsystem_remove_ns");
}

static void host_change(struct rpc_request *req, struct json_object *params, bool add)
{
	struct spdkrt_nvmf_subsystem *s = param_subsystem(req, params);
	const char *host = param_str(params, "host");

	if (s == NULL)
		return;
	if (host == NULL) {
		rpc_reply_error(req, RPC_INVALID_PARAMS, "host (string) is required");
		return;
	}
	reply_rc(req,
		 add ? daemon_host_add(s, host, param_str(params, "psk"),
				       param_str(params, "psk_file")) :
		       spdkrt_nvmf_subsystem_remove_host(s, host),
		 host);
}

static void nvmf_subsystem_add_host(struct rpc_request *req, struct json_object *params)
{
	host_change(req, params, true);
}

static void nvmf_subsystem_remove_host(struct rpc_request *req, struct json_object *params)
{
	host_change(req, params, false);
}

static void nvmf_subsystem_allow_any_host(struct rpc_request *req, struct json_object *params)
{
	struct spdkrt_nvmf_subsystem *s = param_subsystem(req, params);
	bool allow;

	if (s == NULL)
		return;
	if (!param_bool(params, "allow_any_host", &allow)) {
		rpc_reply_error(req, RPC_INVALID_PARAMS, "allow_any_host (boolean) is required");
		return;
	}
	reply_rc(req, spdkrt_nvmf_subsystem_set_allow_any_host(s, allow), "allow_any_host");
}

static void listener_change(struct rpc_request *req, struct json_object *params, bool add)
{
	const char *trtype = param_str(params, "trtype"), *traddr = param_str(params, "traddr");
	const char *trsvcid = param_str(params, "trsvcid");
	struct spdkrt_nvmf_listen_opts o;

	spdkrt_nvmf_listen_opts_init(&o, sizeof(o));
	(void)param_bool(params, "secure_channel", &o.secure_channel);
	if (traddr == NULL || trsvcid == NULL) {
		rpc_reply_error(req, RPC_INVALID_PARAMS,
				"traddr and trsvcid (strings) are required");
		return;
	}
	if (trtype == NULL)
		trtype = "tcp";
	reply_rc(req,
		 add ? spdkrt_nvmf_tgt_listen_ext(g_daemon.tgt, trtype, traddr, trsvcid, &o) :
		       spdkrt_nvmf_tgt_stop_listen(g_daemon.tgt, trtype, traddr, trsvcid),
		 traddr);
}

static void nvmf_add_listener(struct rpc_request *req, struct json_object *params)
{
	listener_change(req, params, true);
}

static void nvmf_remove_listener(struct rpc_request *req, struct json_object *params)
{
	listener_change(req, params, false);
}

static void subsystem_listener_change(struct rpc_request *req, struct json_object *params, bool add)
{
	struct spdkrt_nvmf_subsystem *s = param_subsystem(req, params);
	const char *trtype = param_str(params, "trtype"), *traddr = param_str(params, "traddr");
	const char *trsvcid = param_str(params, "trsvcid");

	if (s == NULL)
		return;
	if (traddr == NULL || trsvcid == NULL) {
		rpc_reply_error(req, RPC_INVALID_PARAMS,
				"traddr and trsvcid (strings) are required");
		return;
	}
	if (trtype == NULL)
		trtype = "tcp";
	reply_rc(req,
		 add ? spdkrt_nvmf_subsystem_add_listener(s, trtype, traddr, trsvcid) :
		       spdkrt_nvmf_subsystem_remove_listener(s, trtype, traddr, trsvcid),
		 traddr);
}

static void nvmf_subsystem_add_listener(struct rpc_request *req, struct json_object *params)
{
	subsystem_listener_change(req, params, true);
}

static void nvmf_subsystem_remove_listener(struct rpc_request *req, struct json_object *params)
{
	subsystem_listener_change(req, params, false);
}

static void nvmf_get_subsystems(struct rpc_request *req, struct json_object *params)
{
	struct json_object *config = daemon_config_dump(), *subs;

	(void)params;
	json_object_object_get_ex(config, "subsystems", &subs);
	rpc_reply(req, json_object_get(subs));
	json_object_put(config);
}

static void nvmf_get_listeners(struct rpc_request *req, struct json_object *params)
{
	struct json_object *config = daemon_config_dump(), *l;

	(void)params;
	json_object_object_get_ex(config, "listeners", &l);
	rpc_reply(req, json_object_get(l));
	json_object_put(config);
}

static void nvmf_get_stats(struct rpc_request *req, struct json_object *params)
{
	struct spdkrt_nvmf_stats st;
	struct json_object *o = json_object_new_object();

	(void)params;
	memset(&st, 0, sizeof(st));
	spdkrt_nvmf_tgt_get_stats(g_daemon.tgt, &st, sizeof(st));
#define STAT(f) json_object_object_add(o, #f, json_object_new_int64((int64_t)st.f))
	STAT(connections_accepted);
	STAT(connections_open);
	STAT(controllers);
	STAT(commands);
	STAT(command_errors);
	STAT(bytes_read);
	STAT(bytes_written);
	STAT(protocol_errors);
	STAT(keep_alive_expirations);
#undef STAT
	rpc_reply(req, o);
}

static void save_config(struct rpc_request *req, struct json_object *params)
{
	const char *path = param_str(params, "filename");
	struct json_object *config = daemon_config_dump();

	if (path != NULL) {
		/* Owner-only: the configuration may hold TLS PSKs. */
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int rc = fd < 0 ? -1 : json_object_to_fd(fd, config, JSON_C_TO_STRING_PRETTY);

		if (fd >= 0)
			close(fd);
		if (rc != 0) {
			rpc_reply_error(req, -EIO, "cannot write %s: %s", path,
					fd < 0 ? strerror(errno) : json_util_get_last_err());
			json_object_put(config);
			return;
		}
	}
	rpc_reply(req, config);
}

static void get_version(struct rpc_request *req, struct json_object *params)
{
	(void)params;
	rpc_reply(req, json_object_new_string(spdkrt_version()));
}

static void rpc_get_methods(struct rpc_request *req, struct json_object *params);

static const struct {
	const char *name;
	rpc_fn fn;
} g_methods[] = {
	{ "bdev_create", bdev_create },
	{ "bdev_destroy", bdev_destroy },
	{ "bdev_get_bdevs", bdev_get_bdevs },
	{ "get_version", get_version },
	{ "nvmf_add_listener", nvmf_add_listener },
	{ "nvmf_create_subsystem", nvmf_create_subsystem },
	{ "nvmf_delete_subsystem", nvmf_delete_subsystem },
	{ "nvmf_get_listeners", nvmf_get_listeners },
	{ "nvmf_get_stats", nvmf_get_stats },
	{ "nvmf_get_subsystems", nvmf_get_subsystems },
	{ "nvmf_remove_listener", nvmf_remove_listener },
	{ "nvmf_subsystem_add_host", nvmf_subsystem_add_host },
	{ "nvmf_subsystem_add_listener", nvmf_subsystem_add_listener },
	{ "nvmf_subsystem_add_ns", nvmf_subsystem_add_ns },
	{ "nvmf_subsystem_allow_any_host", nvmf_subsystem_allow_any_host },
	{ "nvmf_subsystem_remove_host", nvmf_subsystem_remove_host },
	{ "nvmf_subsystem_remove_listener", nvmf_subsystem_remove_listener },
	{ "nvmf_subsystem_remove_ns", nvmf_subsystem_remove_ns },
	{ "rpc_get_methods", rpc_get_methods },
	{ "save_config", save_config },
};

static void rpc_get_methods(struct rpc_request *req, struct json_object *params)
{
	struct json_object *list = json_object_new_array();

	(void)params;
	for (size_t i = 0; i < sizeof(g_methods) / sizeof(g_methods[0]); i++)
		json_object_array_add(list, json_object_new_string(g_methods[i].name));
	rpc_reply(req, list);
}

void rpc_dispatch(struct rpc_request *req, const char *method, struct json_object *params)
{
	for (size_t i = 0; i < sizeof(g_methods) / sizeof(g_methods[0]); i++) {
		if (strcmp(g_methods[i].name, method) == 0) {
			g_methods[i].fn(req, params);
			return;
		}
	}
	rpc_reply_error(req, RPC_METHOD_NOT_FOUND, "no method %s", method);
}
