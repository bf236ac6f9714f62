/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JSON configuration of spdkrt-nvmf-tgt (what it starts from, and what save_config
 * writes):
 *
 *   { "target":     { "max_queue_depth": 128, "max_io_queues": 16, "in_capsule_data_size": 8192,
 *                     "max_io_size": 131072, "c2h_success": false },
 *     "bdevs":      [ "malloc:name=Malloc0,size_mb=64", ... ],
 *     "listeners":  [ { "trtype": "tcp", "traddr": "127.0.0.1", "trsvcid": "4420" },
 *                     { "traddr": "127.0.0.1", "trsvcid": "4421", "secure_channel": true } ],
 *     "subsystems": [ { "nqn": "nqn.2016-06.io.spdk:cnode1", "serial_number": "SN1",
 *                       "model_number": "MN", "allow_any_host": false,
 *                       "hosts": [ "nqn.2014-08.org.nvmexpress:uuid:...",
 *                                  { "nqn": "nqn...:host2", "psk": "NVMeTLSkey-1:01:...:" },
 *                                  { "nqn": "nqn...:host3", "psk_file": "/etc/host3.psk" } ],
 *                       "namespaces": [ { "nsid": 1, "bdev": "Malloc0" } ],
 *                       "listeners": [ { "traddr": "127.0.0.1", "trsvcid": "4420" } ] } ] }
 *
 * A subsystem's "listeners" (optional, of the target's) are the only ones it is reachable on.
 *
 * Every section is optional. An unknown key is an error, so a typo never goes unnoticed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"

static int fail(const char *what, const char *detail)
{
	fprintf(stderr, "spdkrt-nvmf-tgt: configuration: %s%s%s\n", what, detail ? ": " : "",
		detail ? detail : "");
	return -EINVAL;
}

/* Only the keys in allowed (NULL-terminated) may appear in obj. */
static int check_keys(struct json_object *obj, const char *where, const char *const *allowed)
{
	if (!json_object_is_type(obj, json_type_object))
		return fail(where, "must be an object");
	json_object_object_foreach(obj, key, val)
	{
		bool known = false;

		(void)val;
		for (const char *const *a = allowed; *a != NULL; a++)
			known |= strcmp(*a, key) == 0;
		if (!known) {
			fprintf(stderr, "spdkrt-nvmf-tgt: configuration: unknown key '%s' in %s\n",
				key, where);
			return -EINVAL;
		}
	}
	return 0;
}

static int get_u32(struct json_object *obj, const char *key, uint32_t *out)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return fail(key, "must be an integer");
	n = json_object_get_int64(v);
	if (n < 0 || n > UINT32_MAX)
		return fail(key, "out of range");
	*out = (uint32_t)n;
	return 0;
}

static int get_bool(struct json_object *obj, const char *key, bool *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return fail(key, "must be true or false");
	*out = json_object_get_boolean(v);
	return 0;
}

static const char *get_str(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *get_array(struct json_object *obj, const char *key, int *err)
{
	struct json_object *v;

	*err = 0;
	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	if (!json_object_is_type(v, json_type_array)) {
		*err = fail(key, "must be an array");
		return NULL;
	}
	return v;
}

int daemon_config_tgt_opts(struct json_object *config, struct spdkrt_nvmf_tgt_opts *o)
{
	static const char *const keys[] = { "max_queue_depth",   "max_admin_queue_depth",
					    "max_io_queues",     "in_capsule_data_size",
					    "max_io_size",       "c2h_success",
					    "min_keep_alive_ms", NULL };
	struct json_object *t;
	int rc;

	if (config == NULL || !json_object_object_get_ex(config, "target", &t))
		return 0;
	rc = check_keys(t, "target", keys);
	if (rc == 0)
		rc = get_u32(t, "max_queue_depth", &o->max_queue_depth);
	if (rc == 0)
		rc = get_u32(t, "max_admin_queue_depth", &o->max_admin_queue_depth);
	if (rc == 0)
		rc = get_u32(t, "max_io_queues", &o->max_io_queues);
	if (rc == 0)
		rc = get_u32(t, "in_capsule_data_size", &o->in_capsule_data_size);
	if (rc == 0)
		rc = get_u32(t, "max_io_size", &o->max_io_size);
	if (rc == 0)
		rc = get_bool(t, "c2h_success", &o->c2h_success);
	if (rc == 0)
		rc = get_u32(t, "min_keep_alive_ms", &o->min_keep_alive_ms);
	return rc;
}

static int apply_bdevs(struct json_object *config)
{
	int err;
	struct json_object *a = get_array(config, "bdevs", &err);

	for (size_t i = 0; a != NULL && i < json_object_array_length(a); i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		int rc;

		if (!json_object_is_type(v, json_type_string))
			return fail("bdevs", "each entry is a spec string");
		rc = daemon_bdev_create(json_object_get_string(v), NULL);
		if (rc != 0) {
			fprintf(stderr, "spdkrt-nvmf-tgt: bdev '%s': %s\n",
				json_object_get_string(v), strerror(-rc));
			return rc;
		}
	}
	return err;
}

/* The address of a listener object: trtype (default tcp), traddr and trsvcid. */
static int get_address(struct json_object *l, const char *what, const char **trtype,
		       const char **traddr, const char **trsvcid)
{
	*trtype = get_str(l, "trtype");
	*traddr = get_str(l, "traddr");
	*trsvcid = get_str(l, "trsvcid");
	if (*trtype == NULL)
		*trtype = "tcp";
	if (*traddr == NULL || *trsvcid == NULL)
		return fail(what, "needs traddr and trsvcid (strings)");
	return 0;
}

static int apply_listeners(struct json_object *config)
{
	static const char *const keys[] = { "trtype", "traddr", "trsvcid", "secure_channel", NULL };
	int err;
	struct json_object *a = get_array(config, "listeners", &err);

	for (size_t i = 0; a != NULL && i < json_object_array_length(a); i++) {
		struct json_object *l = json_object_array_get_idx(a, i);
		const char *trtype, *traddr, *trsvcid;
		struct spdkrt_nvmf_listen_opts o;
		int rc = check_keys(l, "a listener", keys);

		spdkrt_nvmf_listen_opts_init(&o, sizeof(o));
		if (rc == 0)
			rc = get_bool(l, "secure_channel", &o.secure_channel);
		if (rc == 0)
			rc = get_address(l, "a listener", &trtype, &traddr, &trsvcid);
		if (rc != 0)
			return rc;
		rc = spdkrt_nvmf_tgt_listen_ext(g_daemon.tgt, trtype, traddr, trsvcid, &o);
		if (rc != 0) {
			fprintf(stderr, "spdkrt-nvmf-tgt: cannot listen on %s port %s: %s\n",
				traddr, trsvcid, strerror(-rc));
			return rc;
		}
	}
	return err;
}

static int apply_namespaces(struct spdkrt_nvmf_subsystem *s, struct json_object *sub)
{
	static const char *const keys[] = { "nsid", "bdev", NULL };
	int err;
	struct json_object *a = get_array(sub, "namespaces", &err);

	for (size_t i = 0; a != NULL && i < json_object_array_length(a); i++) {
		struct json_object *n = json_object_array_get_idx(a, i);
		struct spdkrt_nvmf_ns_opts o;
		const char *bdev;
		int rc = check_keys(n, "a namespace", keys);

		if (rc != 0)
			return rc;
		spdkrt_nvmf_ns_opts_init(&o, sizeof(o));
		rc = get_u32(n, "nsid", &o.nsid);
		bdev = get_str(n, "bdev");
		if (rc != 0 || bdev == NULL)
			return fail("a namespace", "needs a bdev name");
		rc = spdkrt_nvmf_subsystem_add_ns(s, bdev, &o, NULL);
		if (rc != 0) {
			fprintf(stderr, "spdkrt-nvmf-tgt: namespace of bdev %s in %s: %s\n", bdev,
				spdkrt_nvmf_subsystem_get_nqn(s), strerror(-rc));
			return rc;
		}
	}
	return err;
}

/* A host NQN string, or { "nqn": ..., "psk": ... or "psk_file": ... }. */
static int apply_host(struct spdkrt_nvmf_subsystem *s, struct json_object *h)
{
	static const char *const keys[] = { "nqn", "psk", "psk_file", NULL };
	const char *nqn;
	int rc;

	if (json_object_is_type(h, json_type_string))
		nqn = json_object_get_string(h);
	else if (check_keys(h, "a host", keys) != 0 || (nqn = get_str(h, "nqn")) == NULL)
		return fail("hosts",
			    "each entry is a host NQN or { \"nqn\", \"psk\"/\"psk_file\" }");
	rc = json_object_is_type(h, json_type_string) ?
		     daemon_host_add(s, nqn, NULL, NULL) :
		     daemon_host_add(s, nqn, get_str(h, "psk"), get_str(h, "psk_file"));
	if (rc != 0)
		return fail("hosts", nqn);
	return 0;
}

/* A subsystem's own listeners (of the target's "listeners"): reachable only there. */
static int apply_subsystem_listeners(struct spdkrt_nvmf_subsystem *s, struct json_object *sub)
{
	static const char *const keys[] = { "trtype", "traddr", "trsvcid", NULL };
	int err;
	struct json_object *a = get_array(sub, "listeners", &err);

	for (size_t i = 0; a != NULL && i < json_object_array_length(a); i++) {
		struct json_object *l = json_object_array_get_idx(a, i);
		const char *trtype, *traddr, *trsvcid;
		int rc = check_keys(l, "a subsystem listener", keys);

		if (rc == 0)
			rc = get_address(l, "a subsystem listener", &trtype, &traddr, &trsvcid);
		if (rc != 0)
			return rc;
		rc = spdkrt_nvmf_subsystem_add_listener(s, trtype, traddr, trsvcid);
		if (rc != 0) {
			fprintf(stderr, "spdkrt-nvmf-tgt: %s on %s port %s: %s\n",
				spdkrt_nvmf_subsystem_get_nqn(s), traddr, trsvcid, strerror(-rc));
			return rc;
		}
	}
	return err;
}

static int apply_subsystem(struct json_object *sub)
{
	static const char *const keys[] = { "nqn",          "serial_number",
					    "model_number", "allow_any_host",
					    "hosts",        "namespaces",
					    "listeners",    NULL };
	struct spdkrt_nvmf_subsystem *s;
	struct json_object *hosts;
	const char *nqn, *str;
	bool any = false;
	int err, rc = check_keys(sub, "a subsystem", keys);

	if (rc != 0)
		return rc;
	nqn = get_str(sub, "nqn");
	if (nqn == NULL)
		return fail("a subsystem", "needs an nqn");
	rc = spdkrt_nvmf_subsystem_create(g_daemon.tgt, nqn, &s);
	if (rc != 0) {
		fprintf(stderr, "spdkrt-nvmf-tgt: subsystem %s: %s\n", nqn, strerror(-rc));
		return rc;
	}
	if ((str = get_str(sub, "serial_number")) != NULL &&
	    spdkrt_nvmf_subsystem_set_serial_number(s, str) != 0)
		return fail("serial_number", str);
	if ((str = get_str(sub, "model_number")) != NULL &&
	    spdkrt_nvmf_subsystem_set_model_number(s, str) != 0)
		return fail("model_number", str);
	rc = get_bool(sub, "allow_any_host", &any);
	if (rc != 0)
		return rc;
	spdkrt_nvmf_subsystem_set_allow_any_host(s, any);
	hosts = get_array(sub, "hosts", &err);
	if (err != 0)
		return err;
	for (size_t i = 0; hosts != NULL && i < json_object_array_length(hosts); i++) {
		rc = apply_host(s, json_object_array_get_idx(hosts, i));
		if (rc != 0)
			return rc;
	}
	rc = apply_subsystem_listeners(s, sub);
	return rc != 0 ? rc : apply_namespaces(s, sub);
}

int daemon_config_apply(struct json_object *config)
{
	static const char *const keys[] = { "target", "bdevs", "listeners", "subsystems", NULL };
	struct json_object *subs;
	int err, rc = check_keys(config, "the configuration", keys);

	if (rc == 0)
		rc = apply_bdevs(config);
	if (rc == 0)
		rc = apply_listeners(config);
	if (rc != 0)
		return rc;
	subs = get_array(config, "subsystems", &err);
	for (size_t i = 0; subs != NULL && i < json_object_array_length(subs); i++) {
		rc = apply_subsystem(json_object_array_get_idx(subs, i));
		if (rc != 0)
			return rc;
	}
	return err;
}

static struct json_object *dump_subsystem_listeners(struct spdkrt_nvmf_subsystem *s)
{
	struct json_object *a = json_object_new_array();
	char traddr[64], trsvcid[32];

	for (unsigned i = 0; spdkrt_nvmf_subsystem_get_listener(s, i, traddr, sizeof(traddr),
								trsvcid, sizeof(trsvcid)) == 0;
	     i++) {
		struct json_object *l = json_object_new_object();

		json_object_object_add(l, "trtype", json_object_new_string("tcp"));
		json_object_object_add(l, "traddr", json_object_new_string(traddr));
		json_object_object_add(l, "trsvcid", json_object_new_string(trsvcid));
		json_object_array_add(a, l);
	}
	return a;
}

static struct json_object *dump_subsystem(struct spdkrt_nvmf_subsystem *s)
{
	struct json_object *o = json_object_new_object(), *hosts = json_object_new_array();
	struct json_object *nss = json_object_new_array();
	const char *h;

	json_object_object_add(o, "nqn", json_object_new_string(spdkrt_nvmf_subsystem_get_nqn(s)));
	json_object_object_add(o, "serial_number",
			       json_object_new_string(spdkrt_nvmf_subsystem_get_serial_number(s)));
	json_object_object_add(o, "model_number",
			       json_object_new_string(spdkrt_nvmf_subsystem_get_model_number(s)));
	json_object_object_add(
		o, "allow_any_host",
		json_object_new_boolean(spdkrt_nvmf_subsystem_get_allow_any_host(s)));
	for (unsigned i = 0; (h = spdkrt_nvmf_subsystem_get_host(s, i)) != NULL; i++)
		json_object_array_add(hosts, daemon_host_dump(s, h));
	json_object_object_add(o, "hosts", hosts);
	for (uint32_t nsid = spdkrt_nvmf_subsystem_next_nsid(s, 0); nsid != 0;
	     nsid = spdkrt_nvmf_subsystem_next_nsid(s, nsid)) {
		struct json_object *n = json_object_new_object();

		json_object_object_add(n, "nsid", json_object_new_int64(nsid));
		json_object_object_add(
			n, "bdev",
			json_object_new_string(spdkrt_nvmf_subsystem_get_ns_bdev_name(s, nsid)));
		json_object_array_add(nss, n);
	}
	json_object_object_add(o, "namespaces", nss);
	json_object_object_add(o, "listeners", dump_subsystem_listeners(s));
	return o;
}

struct json_object *daemon_config_dump(void)
{
	const struct spdkrt_nvmf_tgt_opts *t = &g_daemon.tgt_opts;
	struct json_object *c = json_object_new_object(), *target = json_object_new_object();
	struct json_object *bdevs = json_object_new_array(), *listeners = json_object_new_array();
	struct json_object *subs = json_object_new_array();
	char traddr[64], trsvcid[32];

	json_object_object_add(target, "max_queue_depth",
			       json_object_new_int64(t->max_queue_depth));
	json_object_object_add(target, "max_admin_queue_depth",
			       json_object_new_int64(t->max_admin_queue_depth));
	json_object_object_add(target, "max_io_queues", json_object_new_int64(t->max_io_queues));
	json_object_object_add(target, "in_capsule_data_size",
			       json_object_new_int64(t->in_capsule_data_size));
	json_object_object_add(target, "max_io_size", json_object_new_int64(t->max_io_size));
	json_object_object_add(target, "c2h_success", json_object_new_boolean(t->c2h_success));
	json_object_object_add(target, "min_keep_alive_ms",
			       json_object_new_int64(t->min_keep_alive_ms));
	json_object_object_add(c, "target", target);
	for (struct daemon_bdev *d = g_daemon.bdevs; d != NULL; d = d->next)
		json_object_array_add(bdevs, json_object_new_string(d->spec));
	json_object_object_add(c, "bdevs", bdevs);
	for (unsigned i = 0; spdkrt_nvmf_tgt_get_listener(g_daemon.tgt, i, traddr, sizeof(traddr),
							  trsvcid, sizeof(trsvcid)) == 0;
	     i++) {
		struct json_object *l = json_object_new_object();

		json_object_object_add(l, "trtype", json_object_new_string("tcp"));
		json_object_object_add(l, "traddr", json_object_new_string(traddr));
		json_object_object_add(l, "trsvcid", json_object_new_string(trsvcid));
		if (spdkrt_nvmf_tgt_listener_is_secure(g_daemon.tgt, i))
			json_object_object_add(l, "secure_channel", json_object_new_boolean(true));
		json_object_array_add(listeners, l);
	}
	json_object_object_add(c, "listeners", listeners);
	for (struct spdkrt_nvmf_subsystem *s = spdkrt_nvmf_subsystem_next(g_daemon.tgt, NULL);
	     s != NULL; s = spdkrt_nvmf_subsystem_next(g_daemon.tgt, s))
		json_object_array_add(subs, dump_subsystem(s));
	json_object_object_add(c, "subsystems", subs);
	return c;
}
