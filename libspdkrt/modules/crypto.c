/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crypto vbdev: AES-XTS (OpenSSL) over any bdev. Each block is one XTS data unit whose tweak
 * is its LBA as a little-endian 128-bit number (IEEE 1619). Writes encrypt into a DMA bounce
 * buffer from a per-channel pool (the caller's data stays as it was); reads land in the caller's
 * buffers and are decrypted there. The vbdev claims its base so nobody else writes under it.
 * Keys never reach a log line and are wiped when the vbdev goes. Written against the public
 * module interface (<spdkrt/bdev_module.h>), like an out-of-tree module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <spdkrt/bdev_module.h>
#include <spdkrt/env.h>

#include "modules/builtin.h"

#define SRT_LOG_COMPONENT "crypto"
#include "util/log.h"

#include "util/compiler.h"
#include "util/iov.h"

/* Bounce buffers per channel and their size: larger I/O is split by the core. */
#define BOUNCE_COUNT 128
#define BOUNCE_BYTES (64u * 1024)
#define MAX_KEY_BYTES 32

/* The driver context of each I/O. */
struct crypto_task {
	struct spdkrt_bdev_io *io;
	STAILQ_ENTRY(crypto_task) link; /* waiting for a bounce buffer */
	struct crypto_channel *ch;
	void *bounce;
	struct spdkrt_bdev_io_wait_entry wait;
};
STAILQ_HEAD(crypto_task_list, crypto_task);

struct crypto_disk {
	struct spdkrt_bdev *bdev;
	char name[64];
	uint32_t block_size;
	size_t buf_align;
	bool claimed; /* holds the claim on its base */
	struct spdkrt_bdev *base;
	struct spdkrt_bdev_desc *base_desc;
	struct spdkrt_thread *base_thread; /* where base_desc was opened (and must be closed) */
	const EVP_CIPHER *cipher;
	unsigned char key[2 * MAX_KEY_BYTES]; /* key || key2, the form OpenSSL's XTS takes */
	uint32_t bounce_bytes;
	void (*destruct_done)(struct spdkrt_bdev *bdev);
	struct spdkrt_thread *destruct_thread;
	char channel_device;
};

struct crypto_channel {
	struct crypto_disk *disk;
	struct spdkrt_io_channel *base_ch;
	EVP_CIPHER_CTX *enc; /* keyed once; each block only sets its tweak */
	EVP_CIPHER_CTX *dec;
	char *pool;                      /* the bounce buffers, then one scratch block */
	unsigned char *scratch;          /* a block that straddles iovecs, gathered */
	struct crypto_task_list waiting; /* writes waiting for a bounce buffer */
	bool resuming;                   /* in resume_waiters(): no nesting */
	uint32_t num_free;
	void *free[BOUNCE_COUNT]; /* a stack: the buffer used last is reused first (cache-warm) */
};

_Static_assert(sizeof(struct crypto_task) <= SPDKRT_BDEV_IO_DRIVER_CTX_MAX, "fits the driver ctx");

/* What write-zeroes encrypts. */
static const unsigned char g_zero_block[65536];

static inline struct crypto_task *task_of(struct spdkrt_bdev_io *io)
{
	return spdkrt_bdev_io_get_driver_ctx(io);
}

/* One XTS data unit: the tweak is the LBA, little-endian (IEEE 1619 data unit number). */
static inline int xts_block(EVP_CIPHER_CTX *ctx, uint64_t lba, const unsigned char *in,
			    unsigned char *out, int len)
{
	unsigned char tweak[16] = { 0 };
	int outl = 0;

	for (int i = 0; i < 8; i++)
		tweak[i] = (unsigned char)(lba >> (8 * i));
	if (unlikely(EVP_CipherInit_ex(ctx, NULL, NULL, NULL, tweak, -1) != 1 ||
		     EVP_CipherUpdate(ctx, out, &outl, in, len) != 1 || outl != len))
		return -EIO;
	return 0;
}

/*
 * The next block of the I/O's data: where it lies when one iovec holds it whole, else gathered
 * into scratch. NULL when the iovecs end first: a malformed I/O is refused, never encrypted from
 * stale scratch bytes. Bounded: every step of the cursor uses up an iovec or the block.
 */
static unsigned char *next_block(struct srt_iov_cursor *c, unsigned char *scratch, uint32_t bs)
{
	unsigned char *p = srt_iov_cursor_peek(c, bs);

	if (p != NULL) {
		srt_iov_cursor_advance(c, bs);
		return p;
	}
	return srt_iov_cursor_gather(c, scratch, bs) == bs ? scratch : NULL;
}

static __attribute__((cold)) int short_iovecs(const struct crypto_disk *disk,
					      const struct spdkrt_bdev_io *io)
{
	SRT_ERR("crypto bdev '%s': the I/O's iovecs hold fewer than its %llu blocks; refused",
		disk->name, (unsigned long long)spdkrt_bdev_io_get_num_blocks(io));
	return -EINVAL;
}

/* Encrypts the I/O's data (or zeroes) into dst. */
static int encrypt_into(struct crypto_channel *ch, struct spdkrt_bdev_io *io, unsigned char *dst)
{
	uint32_t bs = ch->disk->block_size;
	uint64_t lba = spdkrt_bdev_io_get_offset_blocks(io);
	uint64_t num = spdkrt_bdev_io_get_num_blocks(io);
	bool write = spdkrt_bdev_io_get_type(io) == SPDKRT_BDEV_IO_WRITE;
	struct srt_iov_cursor c;
	int iovcnt;
	struct iovec *iovs = spdkrt_bdev_io_get_iovs(io, &iovcnt);

	srt_iov_cursor_init(&c, iovs, iovcnt);
	for (uint64_t b = 0; b < num; b++, dst += bs) {
		const unsigned char *src = g_zero_block;

		if (write) {
			src = next_block(&c, ch->scratch, bs);
			if (unlikely(src == NULL))
				return short_iovecs(ch->disk, io);
		}
		if (xts_block(ch->enc, lba + b, src, dst, (int)bs) != 0)
			return -EIO;
	}
	return 0;
}

/* Decrypts the blocks read into the I/O's own buffers (a block across iovecs: in a copy). */
static int decrypt_in_place(struct crypto_channel *ch, struct spdkrt_bdev_io *io)
{
	uint32_t bs = ch->disk->block_size;
	uint64_t lba = spdkrt_bdev_io_get_offset_blocks(io);
	uint64_t num = spdkrt_bdev_io_get_num_blocks(io);
	struct srt_iov_cursor c;
	int iovcnt;
	struct iovec *iovs = spdkrt_bdev_io_get_iovs(io, &iovcnt);

	srt_iov_cursor_init(&c, iovs, iovcnt);
	for (uint64_t b = 0; b < num; b++) {
		struct srt_iov_cursor at = c;
		unsigned char *p = next_block(&c, ch->scratch, bs);

		if (unlikely(p == NULL))
			return short_iovecs(ch->disk, io);
		if (xts_block(ch->dec, lba + b, p, p, (int)bs) != 0)
			return -EIO;
		if (p == ch->scratch) /* put the gathered block back where it came from */
			srt_iov_cursor_scatter(&at, ch->scratch, bs);
	}
	return 0;
}

static void crypto_write(struct crypto_channel *ch, struct spdkrt_bdev_io *io);

/*
 * Freed bounce buffers go to the writes waiting for one. A write that fails at once completes
 * through crypto_done() again: the flag keeps that from nesting (one loop, bounded stack).
 */
static void resume_waiters(struct crypto_channel *ch)
{
	if (ch->resuming)
		return;
	ch->resuming = true;
	while (ch->num_free > 0 && !STAILQ_EMPTY(&ch->waiting)) {
		struct crypto_task *next = STAILQ_FIRST(&ch->waiting);

		STAILQ_REMOVE_HEAD(&ch->waiting, link);
		crypto_write(ch, next->io);
	}
	ch->resuming = false;
}

/* Completes a vbdev I/O, handing its bounce buffer on. */
static void crypto_done(struct spdkrt_bdev_io *io, int status)
{
	struct crypto_task *t = task_of(io);
	struct crypto_channel *ch = t->ch;

	if (t->bounce != NULL) {
		ch->free[ch->num_free++] = t->bounce;
		t->bounce = NULL;
		if (unlikely(!STAILQ_EMPTY(&ch->waiting)))
			resume_waiters(ch);
	}
	spdkrt_bdev_io_complete(io, status);
}

static void base_done(void *arg, int status)
{
	crypto_done(arg, status);
}

static void read_done(void *arg, int status)
{
	struct spdkrt_bdev_io *io = arg;

	if (likely(status == 0))
		status = decrypt_in_place(task_of(io)->ch, io);
	crypto_done(io, status);
}

static void forward_retry(void *arg);

/* Sends the I/O to the base bdev; waits for a free I/O object when the thread ran out. */
static void crypto_forward(struct spdkrt_bdev_io *io)
{
	struct crypto_task *t = task_of(io);
	struct crypto_channel *ch = t->ch;
	struct spdkrt_bdev_desc *desc = ch->disk->base_desc;
	uint64_t lba = spdkrt_bdev_io_get_offset_blocks(io);
	uint64_t num = spdkrt_bdev_io_get_num_blocks(io);
	struct iovec *iovs;
	int iovcnt, rc;

	switch (spdkrt_bdev_io_get_type(io)) {
	case SPDKRT_BDEV_IO_READ:
		iovs = spdkrt_bdev_io_get_iovs(io, &iovcnt);
		rc = spdkrt_bdev_readv_blocks(desc, ch->base_ch, iovs, iovcnt, lba, num, read_done,
					      io);
		break;
	case SPDKRT_BDEV_IO_WRITE:
	case SPDKRT_BDEV_IO_WRITE_ZEROES:
		rc = spdkrt_bdev_write_blocks(desc, ch->base_ch, t->bounce, lba, num, base_done,
					      io);
		break;
	case SPDKRT_BDEV_IO_UNMAP:
		rc = spdkrt_bdev_unmap_blocks(desc, ch->base_ch, lba, num, base_done, io);
		break;
	case SPDKRT_BDEV_IO_FLUSH:
		rc = spdkrt_bdev_flush_blocks(desc, ch->base_ch, lba, num, base_done, io);
		break;
	case SPDKRT_BDEV_IO_RESET:
		rc = spdkrt_bdev_reset(desc, ch->base_ch, base_done, io);
		break;
	default:
		rc = -ENOTSUP;
		break;
	}
	if (unlikely(rc == -ENOMEM)) {
		t->wait.cb_fn = forward_retry;
		t->wait.cb_arg = io;
		rc = spdkrt_bdev_queue_io_wait(ch->disk->base, ch->base_ch, &t->wait);
	}
	if (unlikely(rc != 0))
		crypto_done(io, rc);
}

static void forward_retry(void *arg)
{
	crypto_forward(arg);
}

static void crypto_write(struct crypto_channel *ch, struct spdkrt_bdev_io *io)
{
	struct crypto_task *t = task_of(io);
	int rc;

	if (unlikely(ch->num_free == 0)) {
		STAILQ_INSERT_TAIL(&ch->waiting, t, link);
		return;
	}
	t->bounce = ch->free[--ch->num_free];
	rc = encrypt_into(ch, io, t->bounce);
	if (unlikely(rc != 0)) {
		SRT_ERR("crypto bdev '%s': OpenSSL failed to encrypt", ch->disk->name);
		crypto_done(io, rc);
		return;
	}
	crypto_forward(io);
}

static void crypto_submit(struct spdkrt_io_channel *module_ch, struct spdkrt_bdev_io *io)
{
	struct crypto_channel *ch = spdkrt_io_channel_get_ctx(module_ch);
	struct crypto_task *t = task_of(io);
	enum spdkrt_bdev_io_type type = spdkrt_bdev_io_get_type(io);

	t->io = io;
	t->ch = ch;
	t->bounce = NULL;
	if (type == SPDKRT_BDEV_IO_WRITE || type == SPDKRT_BDEV_IO_WRITE_ZEROES)
		crypto_write(ch, io);
	else
		crypto_forward(io);
}

static bool crypto_io_type_supported(void *ctx, enum spdkrt_bdev_io_type type)
{
	struct crypto_disk *disk = ctx;

	switch (type) {
	case SPDKRT_BDEV_IO_READ:
	case SPDKRT_BDEV_IO_WRITE:
	case SPDKRT_BDEV_IO_WRITE_ZEROES: /* encrypted zeroes, written */
		return true;
	default:
		return spdkrt_bdev_io_type_supported(disk->base, type);
	}
}

static struct crypto_disk *disk_of_device(void *channel_device)
{
	return container_of(channel_device, struct crypto_disk, channel_device);
}

static void channel_free(struct crypto_channel *ch)
{
	EVP_CIPHER_CTX_free(ch->enc); /* wipes the key schedule */
	EVP_CIPHER_CTX_free(ch->dec);
	if (ch->scratch != NULL)
		OPENSSL_cleanse(ch->scratch, ch->disk->block_size);
	spdkrt_dma_free(ch->pool);
	if (ch->base_ch != NULL)
		spdkrt_put_io_channel(ch->base_ch);
}

static int crypto_channel_create(void *io_device, void *ctx)
{
	struct crypto_channel *ch = ctx;
	struct crypto_disk *disk = disk_of_device(io_device);
	size_t align = disk->buf_align > 4096 ? disk->buf_align : 4096;

	ch->disk = disk;
	STAILQ_INIT(&ch->waiting);
	ch->base_ch = spdkrt_bdev_get_io_channel(disk->base_desc);
	ch->enc = EVP_CIPHER_CTX_new();
	ch->dec = EVP_CIPHER_CTX_new();
	ch->pool = spdkrt_dma_malloc((size_t)BOUNCE_COUNT * disk->bounce_bytes + disk->block_size,
				     align, SPDKRT_ENV_SOCKET_ANY);
	if (ch->base_ch == NULL || ch->enc == NULL || ch->dec == NULL || ch->pool == NULL) {
		SRT_ERR("crypto bdev '%s': no memory for a channel (%u bounce buffers of %u bytes "
			"of DMA memory)",
			disk->name, BOUNCE_COUNT, disk->bounce_bytes);
		channel_free(ch);
		return -ENOMEM;
	}
	if (EVP_EncryptInit_ex(ch->enc, disk->cipher, NULL, disk->key, NULL) != 1 ||
	    EVP_DecryptInit_ex(ch->dec, disk->cipher, NULL, disk->key, NULL) != 1) {
		SRT_ERR("crypto bdev '%s': OpenSSL refused the key", disk->name);
		channel_free(ch);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < BOUNCE_COUNT; i++)
		ch->free[i] = ch->pool + (size_t)i * disk->bounce_bytes;
	ch->num_free = BOUNCE_COUNT;
	ch->scratch = (unsigned char *)ch->pool + (size_t)BOUNCE_COUNT * disk->bounce_bytes;
	return 0;
}

static void crypto_channel_destroy(void *io_device, void *ctx)
{
	(void)io_device;
	channel_free(ctx);
}

static struct spdkrt_io_channel *crypto_get_io_channel(void *ctx)
{
	struct crypto_disk *disk = ctx;

	return spdkrt_get_io_channel(&disk->channel_device);
}

static void free_disk(struct crypto_disk *disk)
{
	OPENSSL_cleanse(disk->key, sizeof(disk->key));
	free(disk);
}

/* Last step of a destroy, on the destroying thread: wipe the keys and tell the core. */
static void destruct_finish(void *arg)
{
	struct crypto_disk *disk = arg;
	void (*done)(struct spdkrt_bdev * bdev) = disk->destruct_done;

	done(disk->bdev);
	free_disk(disk);
}

/* On the thread that opened the base: let it go. */
static void release_base(void *arg)
{
	struct crypto_disk *disk = arg;

	if (disk->claimed)
		spdkrt_bdev_module_release_bdev(disk->base);
	spdkrt_bdev_close(disk->base_desc);
	if (disk->destruct_thread == spdkrt_get_thread() ||
	    spdkrt_thread_send_msg(disk->destruct_thread, destruct_finish, disk) != 0)
		destruct_finish(disk);
}

static void channels_gone(void *channel_device)
{
	struct crypto_disk *disk = disk_of_device(channel_device);

	if (disk->base_thread == spdkrt_get_thread() ||
	    spdkrt_thread_send_msg(disk->base_thread, release_base, disk) != 0)
		release_base(disk);
}

static void crypto_destruct(struct spdkrt_bdev *bdev, void (*done)(struct spdkrt_bdev *bdev))
{
	struct crypto_disk *disk = spdkrt_bdev_get_module_ctx(bdev);

	disk->destruct_done = done;
	disk->destruct_thread = spdkrt_get_thread();
	/* The module's channels (each holds a base channel) may outlive the bdev's by a poll. */
	if (spdkrt_io_device_unregister(&disk->channel_device, channels_gone) != 0)
		channels_gone(&disk->channel_device);
}

/* Events of the base, on the thread that opened it. */
static void base_event(enum spdkrt_bdev_event_type type, struct spdkrt_bdev *base, void *ctx)
{
	struct crypto_disk *disk = ctx;
	int rc;

	if (disk->bdev == NULL) /* an event before the vbdev was registered */
		return;
	if (type == SPDKRT_BDEV_EVENT_RESIZE) {
		spdkrt_bdev_notify_resize(disk->bdev, spdkrt_bdev_get_num_blocks(base));
		return;
	}
	/* Like a driver whose device disappeared: the vbdev goes, whoever holds it open. */
	rc = spdkrt_bdev_unregister(disk->bdev, NULL, NULL);
	if (rc == 0)
		SRT_NOTICE("crypto bdev '%s': its base '%s' is going away; destroying it",
			   disk->name, spdkrt_bdev_get_name(base));
	else if (rc != -EBUSY) /* -EBUSY: already being destroyed */
		SRT_ERR("crypto bdev '%s': cannot destroy it: %s", disk->name, spdkrt_strerror(rc));
}

static const struct spdkrt_bdev_fn_table g_crypto_fn = {
	.size = sizeof(struct spdkrt_bdev_fn_table),
	.submit = crypto_submit,
	.io_type_supported = crypto_io_type_supported,
	.get_io_channel = crypto_get_io_channel,
	.destruct = crypto_destruct,
};

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A 128- or 256-bit key from hex. The message never shows the value. */
static int parse_key(const char *what, const char *hex, unsigned char *key, size_t *len)
{
	size_t n = strlen(hex);

	if (n != 32 && n != 64) {
		SRT_ERR("crypto bdev spec: %s must be 32 or 64 hex digits (a 128- or 256-bit AES "
			"key), not %zu characters",
			what, n);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);

		if (hi < 0 || lo < 0) {
			SRT_ERR("crypto bdev spec: %s has a character that is not a hex digit",
				what);
			return -EINVAL;
		}
		key[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

/* The parsed spec holds the key text until the core frees it: wipe it as soon as it is read. */
static void wipe_spec_keys(struct spdkrt_bdev_spec *spec)
{
	spdkrt_bdev_spec_wipe(spec, "key");
	spdkrt_bdev_spec_wipe(spec, "key2");
}

struct crypto_params {
	const char *name;
	const char *base;
	unsigned char key[2 * MAX_KEY_BYTES];
	size_t key_len; /* of each half */
};

static int read_spec(struct spdkrt_bdev_spec *spec, struct crypto_params *p)
{
	const char *cipher, *key, *key2;
	size_t len2 = 0;
	int rc;

	rc = spdkrt_bdev_spec_get_str(spec, "name", &p->name);
	if (rc == 0 && strlen(p->name) >= sizeof(((struct crypto_disk *)0)->name)) {
		SRT_ERR("crypto bdev spec: name '%s' is longer than 63 characters", p->name);
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_str(spec, "base", &p->base);
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_str(spec, "cipher", &cipher);
	if (rc == 0 && strcmp(cipher, "AES_XTS") != 0) {
		SRT_ERR("crypto bdev spec: cipher '%s' is not supported (supported: AES_XTS)",
			cipher);
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_str(spec, "key", &key);
	if (rc == 0)
		rc = spdkrt_bdev_spec_get_str(spec, "key2", &key2);
	if (rc == 0)
		rc = parse_key("key", key, p->key, &p->key_len);
	if (rc == 0)
		rc = parse_key("key2", key2, p->key + p->key_len, &len2);
	if (rc == 0 && len2 != p->key_len) {
		SRT_ERR("crypto bdev spec: key and key2 must have the same length");
		rc = -EINVAL;
	}
	/* IEEE 1619 requires two independent keys; equal halves weaken XTS. */
	if (rc == 0 && CRYPTO_memcmp(p->key, p->key + p->key_len, p->key_len) == 0) {
		SRT_ERR("crypto bdev spec: key and key2 must differ");
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = spdkrt_bdev_spec_check_all_used(spec);
	return rc;
}

/*
 * Opens the base for writing (refused while another bdev claims it) and describes the vbdev
 * from its geometry. The claim itself follows the vbdev's registration (the claimer is named).
 */
static int attach_base(struct crypto_disk *disk, const char *base_name,
		       struct spdkrt_bdev_info *info)
{
	struct spdkrt_bdev *base;
	int rc;

	rc = spdkrt_bdev_open(base_name, true, base_event, disk, &disk->base_desc);
	if (rc != 0) {
		SRT_ERR("crypto bdev '%s': cannot open its base '%s' for writing: %s", disk->name,
			base_name, spdkrt_strerror(rc));
		return rc;
	}
	base = spdkrt_bdev_desc_get_bdev(disk->base_desc);
	disk->base = base;
	disk->base_thread = spdkrt_get_thread();
	disk->block_size = spdkrt_bdev_get_block_size(base);
	/* Reads go straight into the caller's buffers, so they follow the base's alignment. */
	disk->buf_align = spdkrt_bdev_get_buf_align(base);
	disk->bounce_bytes = disk->block_size > BOUNCE_BYTES ? disk->block_size : BOUNCE_BYTES;
	info->block_size = disk->block_size;
	info->num_blocks = spdkrt_bdev_get_num_blocks(base);
	info->buf_align = disk->buf_align;
	info->write_unit_size = spdkrt_bdev_get_write_unit_size(base);
	info->max_io_blocks = disk->bounce_bytes / disk->block_size;
	return 0;
}

static void unregistered_after_failure(void *channel_device)
{
	free_disk(disk_of_device(channel_device));
}

static int create_disk(struct spdkrt_bdev_module *module, const struct crypto_params *p,
		       struct spdkrt_bdev **out)
{
	struct spdkrt_bdev_info info;
	struct crypto_disk *disk;
	int rc;

	if (spdkrt_bdev_get_by_name(p->name) != NULL) {
		SRT_ERR("crypto bdev '%s': a bdev with this name already exists", p->name);
		return -EEXIST;
	}
	disk = calloc(1, sizeof(*disk));
	if (disk == NULL)
		return -ENOMEM;
	memcpy(disk->key, p->key, 2 * p->key_len);
	disk->cipher = p->key_len == 16 ? EVP_aes_128_xts() : EVP_aes_256_xts();
	snprintf(disk->name, sizeof(disk->name), "%s", p->name);
	spdkrt_bdev_info_init(&info, sizeof(info));
	info.name = p->name;
	info.product_name = "Crypto disk";
	info.module = module;
	info.fn = &g_crypto_fn;
	info.ctx = disk;
	rc = attach_base(disk, p->base, &info);
	if (rc != 0) {
		free_disk(disk);
		return rc;
	}
	rc = spdkrt_io_device_register(&disk->channel_device, crypto_channel_create,
				       crypto_channel_destroy, sizeof(struct crypto_channel),
				       p->name);
	if (rc != 0) {
		spdkrt_bdev_close(disk->base_desc);
		free_disk(disk);
		return rc;
	}
	rc = spdkrt_bdev_register(&info, &disk->bdev);
	if (rc != 0) {
		spdkrt_bdev_close(disk->base_desc);
		if (spdkrt_io_device_unregister(&disk->channel_device,
						unregistered_after_failure) != 0)
			SRT_WARN("crypto bdev '%s': its channel device stays registered", p->name);
		return rc;
	}
	/* Only a racing claim between the open and here fails; the vbdev then goes again. */
	rc = spdkrt_bdev_module_claim_bdev(disk->base, disk->base_desc, disk->bdev);
	if (rc != 0) {
		SRT_ERR("crypto bdev '%s': cannot claim its base '%s'", p->name, p->base);
		spdkrt_bdev_unregister(disk->bdev, NULL, NULL);
		return rc;
	}
	disk->claimed = true;
	SRT_INFO("crypto bdev '%s' over '%s': AES-%zu-XTS, blocks of %u bytes", p->name, p->base,
		 p->key_len * 8, disk->block_size);
	*out = disk->bdev;
	return 0;
}

static int crypto_create(struct spdkrt_bdev_module *module, struct spdkrt_bdev_spec *spec,
			 struct spdkrt_bdev **out)
{
	struct crypto_params p;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = read_spec(spec, &p);
	wipe_spec_keys(spec);
	if (rc == 0)
		rc = create_disk(module, &p, out);
	OPENSSL_cleanse(p.key, sizeof(p.key));
	return rc;
}

const struct spdkrt_bdev_module_ops srt_bdev_crypto_ops = {
	.size = sizeof(struct spdkrt_bdev_module_ops),
	.name = "crypto",
	.io_ctx_size = sizeof(struct crypto_task),
	.create = crypto_create,
};
