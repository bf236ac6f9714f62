/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crypto vbdev (modules/crypto.c): IEEE 1619-2007 XTS-AES known answers through the vbdev,
 * ciphertext on the base, other keys, iovec layouts that split blocks, more writes than bounce
 * buffers, two threads, write-zeroes and pass-through I/O, the claim on the base, hot removal of
 * the base, spec errors, and keys that never reach the log.
 */
#include <pthread.h>

#include "harness.h"

#include "bdev/module.h"

/* IEEE 1619-2007 vector 4: AES-128, data unit 0, 512 bytes (00..ff twice). */
static const char *const V4_KEY1 = "27182818284590452353602874713526";
static const char *const V4_KEY2 = "31415926535897932384626433832795";
static const char *const V4_CT = "27a7479befa1d476489f308cd4cfa6e2a96e4bbe3208ff25287dd3819616e89c"
				 "c78cf7f5e543445f8333d8fa7f56000005279fa5d8b5e4ad40e736ddb4d35412"
				 "328063fd2aab53e5ea1e0a9f332500a5df9487d07a5c92cc512c8866c7e860ce"
				 "93fdf166a24912b422976146ae20ce846bb7dc9ba94a767aaef20c0d61ad0265"
				 "5ea92dc4c4e41a8952c651d33174be51a10c421110e6d81588ede82103a252d8"
				 "a750e8768defffed9122810aaeb99f9172af82b604dc4b8e51bcb08235a6f434"
				 "1332e4ca60482a4ba1a03b3e65008fc5da76b70bf1690db4eae29c5f1badd03c"
				 "5ccf2a55d705ddcd86d449511ceb7ec30bf12b1fa35b913f9f747a8afd1b130e"
				 "94bff94effd01a91735ca1726acd0b197c4e5b03393697e126826fb6bbde8ecc"
				 "1e08298516e2c9ed03ff3c1b7860f6de76d4cecd94c8119855ef5297ca67e9f3"
				 "e7ff72b1e99785ca0a7e7720c5b36dc6d72cac9574c8cbbc2f801e23e56fd344"
				 "b07f22154beba0f08ce8891e643ed995c94d9a69c9f1b5f499027a78572aeebd"
				 "74d20cc39881c213ee770b1010e4bea718846977ae119f7a023ab58cca0ad752"
				 "afe656bb3c17256a9f6e9bf19fdd5a38fc82bbe872c5539edb609ef4f79c203e"
				 "bb140f2e583cb2ad15b4aa5b655016a8449277dbd477ef2c8d6c017db738b18d"
				 "eb4a427d1923ce3ff262735779a418f20a282df920147beabe421ee5319d0568";

/* IEEE 1619-2007 vector 10: AES-256, data unit 0xff, 512 bytes (00..ff twice). */
static const char *const V10_KEY1 =
	"2718281828459045235360287471352662497757247093699959574966967627";
static const char *const V10_KEY2 =
	"3141592653589793238462643383279502884197169399375105820974944592";
static const uint64_t V10_LBA = 0xff;
static const char *const V10_CT =
	"1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b"
	"5d31e276f8fe4a8d66b317f9ac683f44680a86ac35adfc3345befecb4bb188fd"
	"5776926c49a3095eb108fd1098baec70aaa66999a72a82f27d848b21d4a741b0"
	"c5cd4d5fff9dac89aeba122961d03a757123e9870f8acf1000020887891429ca"
	"2a3e7a7d7df7b10355165c8b9a6d0a7de8b062c4500dc4cd120c0f7418dae3d0"
	"b5781c34803fa75421c790dfe1de1834f280d7667b327f6c8cd7557e12ac3a0f"
	"93ec05c52e0493ef31a12d3d9260f79a289d6a379bc70c50841473d1a8cc81ec"
	"583e9645e07b8d9670655ba5bbcfecc6dc3966380ad8fecb17b6ba02469a020a"
	"84e18e8f84252070c13e9f1f289be54fbc481457778f616015e1327a02b140f1"
	"505eb309326d68378f8374595c849d84f4c333ec4423885143cb47bd71c5edae"
	"9be69a2ffeceb1bec9de244fbe15992b11b77c040f12bd8f6a975a44a0f90c29"
	"a9abc3d4d893927284c58754cce294529f8614dcd2aba991925fedc4ae74ffac"
	"6e333b93eb4aff0479da9a410e4450e0dd7ae4c6e2910900575da401fc07059f"
	"645e8b7e9bfdef33943054ff84011493c27b3429eaedb4ed5376441a77ed4385"
	"1ad77f16f541dfd269d50d6a5f14fb0aab1cbb4c1550be97f7ab4066193c4caa"
	"773dad38014bd2092fa755c824bb5e54c4f36ffda9fcea70b9c6e693e148c151";

/* IEEE 1619-2007 vector 1: key1 = key2 = 0, which the vbdev must refuse. */
static const char *const V1_KEY = "00000000000000000000000000000000";

/* Other keys for the data tests. */
static const char *const KEY_A = "000102030405060708090a0b0c0d0e0f";
static const char *const KEY_B = "f0e0d0c0b0a090807060504030201000";
static const char *const KEY_C = "0f0e0d0c0b0a09080706050403020100";

#define KiB 1024u

static void unhex(const char *hex, unsigned char *out)
{
	for (size_t i = 0; hex[2 * i] != '\0'; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
}

/* The IEEE 1619 plaintext of vectors 4-14: bytes 00..ff, twice. */
static void ieee_plaintext(unsigned char *pt)
{
	for (int i = 0; i < 512; i++)
		pt[i] = (unsigned char)i;
}

static int create_crypto(const char *name, const char *base, const char *key, const char *key2)
{
	char spec[512];

	snprintf(spec, sizeof(spec), "crypto:name=%s,base=%s,cipher=AES_XTS,key=%s,key2=%s", name,
		 base, key, key2);
	return spdkrt_bdev_create(spec, NULL);
}

static int setup(void **state)
{
	(void)state;
	harness_setup();
	assert_int_equal(
		spdkrt_bdev_create("malloc:name=Malloc0,num_blocks=2048,block_size=512", NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	destroy_bdev("Malloc0");
	harness_teardown();
	return 0;
}

/* Known answers: the vbdev writes the standard's ciphertext, and reads it back as plaintext. */
static void kat_run(const char *key1, const char *key2, uint64_t lba, const char *ct_hex)
{
	struct open_bdev c, base;
	unsigned char *pt = buf_alloc(512), *ct = buf_alloc(512), *buf = buf_alloc(512);

	ieee_plaintext(pt);
	unhex(ct_hex, ct);
	assert_int_equal(create_crypto("Crypto0", "Malloc0", key1, key2), 0);
	open_bdev("Crypto0", true, &c);
	open_bdev("Malloc0", false, &base);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(c.desc, c.ch, pt, lba, 1, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(base.desc, base.ch, buf, lba, 1, IO_CB)),
			 0);
	assert_memory_equal(buf, ct, 512);
	memset(buf, 0, 512);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(c.desc, c.ch, buf, lba, 1, IO_CB)), 0);
	assert_memory_equal(buf, pt, 512);
	close_bdev(&base);
	close_bdev(&c);
	destroy_bdev("Crypto0");
	free(pt);
	free(ct);
	free(buf);
}

static void test_ieee1619_vector4_aes128(void **state)
{
	(void)state;
	kat_run(V4_KEY1, V4_KEY2, 0, V4_CT);
}

static void test_ieee1619_vector10_aes256(void **state)
{
	(void)state;
	kat_run(V10_KEY1, V10_KEY2, V10_LBA, V10_CT);
}

/* The decrypt direction alone: ciphertext put on the base before the vbdev exists. */
static void test_ieee1619_decrypts_existing_data(void **state)
{
	struct open_bdev c, base;
	unsigned char *pt = buf_alloc(512), *ct = buf_alloc(512), *buf = buf_alloc(512);

	(void)state;
	ieee_plaintext(pt);
	unhex(V10_CT, ct);
	open_bdev("Malloc0", true, &base);
	assert_int_equal(
		SYNC_IO(spdkrt_bdev_write_blocks(base.desc, base.ch, ct, V10_LBA, 1, IO_CB)), 0);
	close_bdev(&base);
	assert_int_equal(create_crypto("Crypto0", "Malloc0", V10_KEY1, V10_KEY2), 0);
	open_bdev("Crypto0", false, &c);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(c.desc, c.ch, buf, V10_LBA, 1, IO_CB)), 0);
	assert_memory_equal(buf, pt, 512);
	close_bdev(&c);
	destroy_bdev("Crypto0");
	free(pt);
	free(ct);
	free(buf);
}

static void test_ieee1619_vector1_equal_keys_refused(void **state)
{
	(void)state;
	assert_int_equal(create_crypto("Crypto0", "Malloc0", V1_KEY, V1_KEY), -EINVAL);
	assert_logged("key and key2 must differ");
	assert_null(spdkrt_bdev_get_by_name("Crypto0"));
}

/* What reaches the base is not the plaintext, and another key reads something else. */
static void test_base_holds_ciphertext_and_keys_matter(void **state)
{
	const size_t len = 64 * KiB;
	struct open_bdev c, base;
	char *pt = buf_alloc(len), *buf = buf_alloc(len);

	(void)state;
	fill_pattern(pt, len, 42, 0);
	assert_int_equal(create_crypto("Crypto0", "Malloc0", KEY_A, KEY_B), 0);
	open_bdev("Crypto0", true, &c);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(c.desc, c.ch, pt, 300, 128, IO_CB)), 0);
	open_bdev("Malloc0", false, &base);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(base.desc, base.ch, buf, 300, 128, IO_CB)),
			 0);
	for (size_t b = 0; b < 128; b++) {
		if (memcmp(buf + b * 512, pt + b * 512, 512) == 0)
			fail_msg("block %zu reached the base as plaintext", b);
	}
	/* Two blocks of equal plaintext differ on the base: the tweak is the LBA. */
	assert_memory_not_equal(buf, buf + 512, 16);
	close_bdev(&base);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(c.desc, c.ch, buf, 300, 128, IO_CB)), 0);
	assert_memory_equal(buf, pt, len);
	close_bdev(&c);
	destroy_bdev("Crypto0");

	/* Same base, another key2 (then another key): the data reads back as something else. */
	assert_int_equal(create_crypto("Crypto1", "Malloc0", KEY_A, KEY_C), 0);
	open_bdev("Crypto1", false, &c);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(c.desc, c.ch, buf, 300, 128, IO_CB)), 0);
	for (size_t b = 0; b < 128; b++)
		assert_memory_not_equal(buf + b * 512, pt + b * 512, 512);
	close_bdev(&c);
	destroy_bdev("Crypto1");
	assert_int_equal(create_crypto("Crypto1", "Malloc0", KEY_C, KEY_B), 0);
	open_bdev("Crypto1", false, &c);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(c.desc, c.ch, buf, 300, 128, IO_CB)), 0);
	for (size_t b = 0; b < 128; b++)
		assert_memory_not_equal(buf + b * 512, pt + b * 512, 512);
	close_bdev(&c);
	destroy_bdev("Crypto1");
	free(pt);
	free(buf);
}

/* iovecs that cut blocks in odd places: same ciphertext as one buffer, same plaintext back. */
static void test_odd_iovecs(void **state)
{
	struct open_bdev c, base;
	char *pt = buf_alloc(4096), *ct1 = buf_alloc(4096), *ct2 = buf_alloc(4096);
	char *rd = buf_alloc(8192);
	struct iovec w[5] = {
		{ pt, 100 },         { pt + 100, 924 },   { pt + 1024, 512 },
		{ pt + 1536, 1000 }, { pt + 2536, 1560 },
	};
	struct iovec r[4] = {
		{ rd, 7 },
		{ rd + 1000, 2553 },
		{ rd + 4000, 511 },
		{ rd + 5000, 1025 },
	};
	size_t at = 0;

	(void)state;
	fill_pattern(pt, 4096, 43, 0);
	assert_int_equal(create_crypto("Crypto0", "Malloc0", KEY_A, KEY_B), 0);
	open_bdev("Crypto0", true, &c);
	open_bdev("Malloc0", false, &base);
	assert_int_equal(SYNC_IO(spdkrt_bdev_writev_blocks(c.desc, c.ch, w, 5, 40, 8, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(base.desc, base.ch, ct1, 40, 8, IO_CB)),
			 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(c.desc, c.ch, pt, 40, 8, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(base.desc, base.ch, ct2, 40, 8, IO_CB)),
			 0);
	assert_memory_equal(ct1, ct2, 4096);
	/* The caller's buffers are not touched by a write. */
	{
		char *again = buf_alloc(4096);

		fill_pattern(again, 4096, 43, 0);
		assert_memory_equal(pt, again, 4096);
		free(again);
	}
	assert_int_equal(SYNC_IO(spdkrt_bdev_readv_blocks(c.desc, c.ch, r, 4, 40, 8, IO_CB)), 0);
	for (int i = 0; i < 4; i++) {
		assert_memory_equal(r[i].iov_base, pt + at, r[i].iov_len);
		at += r[i].iov_len;
	}
	close_bdev(&base);
	close_bdev(&c);
	destroy_bdev("Crypto0");
	free(pt);
	free(ct1);
	free(ct2);
	free(rd);
}

/* Cuts len bytes at base into pieces of 1, 2, 3, ... bytes (the last one what is left). */
static int tiny_pieces(char *base, size_t len, struct iovec *iov, int max)
{
	size_t at = 0, n = 1;
	int k = 0;

	while (at < len && k < max) {
		iov[k].iov_base = base + at;
		iov[k].iov_len = n < len - at ? n : len - at;
		at += iov[k].iov_len;
		k++;
		n++;
	}
	assert_int_equal(at, len);
	return k;
}

/* Blocks gathered from dozens of 1..45-byte iovecs each: the same ciphertext, the same data back. */
static void test_tiny_iovecs(void **state)
{
	struct open_bdev c, base;
	char *pt = buf_alloc(2048), *ct1 = buf_alloc(2048), *ct2 = buf_alloc(2048);
	char *rd = buf_alloc(2048);
	struct iovec iov[128];
	int n;

	(void)state;
	fill_pattern(pt, 2048, 47, 0);
	assert_int_equal(create_crypto("Crypto0", "Malloc0", KEY_A, KEY_B), 0);
	open_bdev("Crypto0", true, &c);
	open_bdev("Malloc0", false, &base);
	assert_int_equal(spdkrt_bdev_get_buf_align(spdkrt_bdev_desc_get_bdev(c.desc)), 1);
	n = tiny_pieces(pt, 2048, iov, 128);
	assert_true(n > 60);
	assert_int_equal(SYNC_IO(spdkrt_bdev_writev_blocks(c.desc, c.ch, iov, n, 8, 4, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(base.desc, base.ch, ct1, 8, 4, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(c.desc, c.ch, pt, 8, 4, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(base.desc, base.ch, ct2, 8, 4, IO_CB)), 0);
	assert_memory_equal(ct1, ct2, 2048);
	/* read back through tiny pieces of another buffer: decrypted in place, block by block */
	n = tiny_pieces(rd, 2048, iov, 128);
	assert_int_equal(SYNC_IO(spdkrt_bdev_readv_blocks(c.desc, c.ch, iov, n, 8, 4, IO_CB)), 0);
	assert_memory_equal(rd, pt, 2048);
	close_bdev(&base);
	close_bdev(&c);
	destroy_bdev("Crypto0");
	free(pt);
	free(ct1);
	free(ct2);
	free(rd);
}

/* Before: a writev with a zero-length iovec never returned (the gather loop spun on it). */
static void test_zero_length_iovec_refused(void **state)
{
	struct open_bdev c;
	char *buf = buf_alloc(1024);
	struct iovec iov[3] = { { buf, 512 }, { buf + 512, 0 }, { buf + 512, 512 } };

	(void)state;
	assert_int_equal(create_crypto("Crypto0", "Malloc0", KEY_A, KEY_B), 0);
	open_bdev("Crypto0", true, &c);
	log_capture_clear();
	assert_int_equal(SYNC_IO(spdkrt_bdev_writev_blocks(c.desc, c.ch, iov, 3, 0, 2, IO_CB)),
			 -EINVAL);
	assert_logged("length 0");
	assert_int_equal(SYNC_IO(spdkrt_bdev_readv_blocks(c.desc, c.ch, iov, 3, 0, 2, IO_CB)),
			 -EINVAL);
	assert_logged("length 0");
	close_bdev(&c);
	destroy_bdev("Crypto0");
	free(buf);
}

/* Writes and reads kept in flight by their callbacks; checks what each read finds. */
struct job {
	struct spdkrt_bdev_desc *desc;
	struct spdkrt_io_channel *ch;
	bool own_channel;
	uint64_t first, count, blocks_per_io;
	uint32_t qd, seed;
	uint64_t reads, submitted, completed, errors, mismatches, rng;
	bool writing;
	char *bufs;
	struct slot {
		struct job *job;
		char *buf;
		uint64_t lba;
	} * slots;
	_Atomic bool done;
};

static void job_submit(struct slot *s);

static void job_complete(void *arg, int status)
{
	struct slot *s = arg;
	struct job *j = s->job;
	uint64_t total = j->writing ? j->count / j->blocks_per_io : j->reads;

	if (status != 0) {
		j->errors++;
	} else if (!j->writing) {
		for (uint64_t b = 0; b < j->blocks_per_io; b++) {
			uint32_t *p = (uint32_t *)(s->buf + b * 512);

			if (p[0] != j->seed || p[1] != (uint32_t)((s->lba + b) * 512))
				j->mismatches++;
		}
	}
	j->completed++;
	if (j->submitted < total) {
		job_submit(s);
	} else if (j->completed == total) {
		if (j->writing) {
			j->writing = false;
			j->submitted = 0;
			j->completed = 0;
			for (uint32_t i = 0; i < j->qd; i++)
				job_submit(&j->slots[i]);
			return;
		}
		if (j->own_channel)
			spdkrt_put_io_channel(j->ch);
		atomic_store(&j->done, true);
	}
}

static void job_submit(struct slot *s)
{
	struct job *j = s->job;
	uint64_t units = j->count / j->blocks_per_io;
	size_t len = j->blocks_per_io * 512;
	int rc;

	if (j->writing) {
		s->lba = j->first + j->submitted * j->blocks_per_io;
		fill_pattern(s->buf, len, j->seed, s->lba * 512);
		rc = spdkrt_bdev_write_blocks(j->desc, j->ch, s->buf, s->lba, j->blocks_per_io,
					      job_complete, s);
	} else {
		j->rng = j->rng * 6364136223846793005ull + 1442695040888963407ull;
		s->lba = j->first + ((j->rng >> 33) % units) * j->blocks_per_io;
		rc = spdkrt_bdev_read_blocks(j->desc, j->ch, s->buf, s->lba, j->blocks_per_io,
					     job_complete, s);
	}
	j->submitted++;
	if (rc != 0) {
		j->errors++;
		j->completed++;
	}
}

static void job_start(void *arg)
{
	struct job *j = arg;

	if (j->own_channel)
		j->ch = spdkrt_bdev_get_io_channel(j->desc);
	if (j->ch == NULL) { /* may run on another OS thread: no cmocka assert */
		j->errors++;
		atomic_store(&j->done, true);
		return;
	}
	j->writing = true;
	for (uint32_t i = 0; i < j->qd; i++)
		job_submit(&j->slots[i]);
}

static void job_init(struct job *j, struct spdkrt_bdev_desc *desc, uint64_t first, uint64_t count,
		     uint64_t blocks_per_io, uint32_t qd, uint64_t reads, uint32_t seed)
{
	memset(j, 0, sizeof(*j));
	j->desc = desc;
	j->first = first;
	j->count = count;
	j->blocks_per_io = blocks_per_io;
	j->qd = qd;
	j->reads = reads;
	j->seed = seed;
	j->rng = seed;
	j->bufs = buf_alloc((size_t)qd * blocks_per_io * 512);
	j->slots = calloc(qd, sizeof(*j->slots));
	for (uint32_t i = 0; i < qd; i++) {
		j->slots[i].job = j;
		j->slots[i].buf = j->bufs + (size_t)i * blocks_per_io * 512;
	}
}

static void job_check_free(struct job *j)
{
	if (j->errors != 0 || j->mismatches != 0)
		fail_msg("job of seed %u: %llu errors, %llu mismatched blocks", j->seed,
			 (unsigned long long)j->errors, (unsigned long long)j->mismatches);
	free(j->bufs);
	free(j->slots);
}

/* 256 writes in flight against 128 bounce buffers: half of them wait for one. */
static void test_more_writes_than_bounce_buffers(void **state)
{
	struct open_bdev c;
	struct job j;

	(void)state;
	assert_int_equal(create_crypto("Crypto0", "Malloc0", KEY_A, KEY_B), 0);
	open_bdev("Crypto0", true, &c);
	job_init(&j, c.desc, 0, 2048, 8, 256, 5000, 44);
	j.ch = c.ch;
	job_start(&j);
	poll_until(atomic_load(&j.done));
	job_check_free(&j);
	close_bdev(&c);
	destroy_bdev("Crypto0");
}

/* I/O larger than a bounce buffer (the core splits it at 64 KiB). */
static void test_large_io(void **state)
{
	const size_t len = 1024 * 512; /* 512 KiB */
	struct open_bdev c;
	char *pt = buf_alloc(len), *buf = buf_alloc(len);

	(void)state;
	fill_pattern(pt, len, 45, 0);
	assert_int_equal(create_crypto("Crypto0", "Malloc0", KEY_A, KEY_B), 0);
	open_bdev("Crypto0", true, &c);
	assert_int_equal(spdkrt_bdev_get_max_io_blocks(c.bdev), 128);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(c.desc, c.ch, pt, 1000, 1024, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(c.desc, c.ch, buf, 1000, 1024, IO_CB)), 0);
	assert_memory_equal(buf, pt, len);
	close_bdev(&c);
	destroy_bdev("Crypto0");
	free(pt);
	free(buf);
}

struct poller_thread {
	struct spdkrt_thread *thread;
	_Atomic bool stop;
	pthread_t tid;
};

static void *poller_main(void *arg)
{
	struct poller_thread *p = arg;

	while (!spdkrt_thread_is_exited(p->thread)) {
		spdkrt_thread_poll(p->thread, 0, 0);
		if (atomic_load(&p->stop))
			spdkrt_thread_exit(p->thread);
	}
	return NULL;
}

/* Two threads, each with its own crypto channel (cipher contexts, bounce pool, base channel). */
static void test_two_threads(void **state)
{
	struct poller_thread p = { 0 };
	struct open_bdev c;
	struct job mine, theirs;

	(void)state;
	assert_int_equal(create_crypto("Crypto0", "Malloc0", KEY_A, KEY_B), 0);
	open_bdev("Crypto0", true, &c);
	assert_int_equal(spdkrt_thread_create("second", &p.thread), 0);
	assert_int_equal(pthread_create(&p.tid, NULL, poller_main, &p), 0);
	job_init(&mine, c.desc, 0, 1024, 8, 32, 4000, 46);
	mine.ch = c.ch;
	job_init(&theirs, c.desc, 1024, 1024, 8, 32, 4000, 47);
	theirs.own_channel = true;
	assert_int_equal(spdkrt_thread_send_msg(p.thread, job_start, &theirs), 0);
	job_start(&mine);
	poll_until(atomic_load(&mine.done) && atomic_load(&theirs.done));
	atomic_store(&p.stop, true);
	pthread_join(p.tid, NULL);
	assert_int_equal(spdkrt_thread_destroy(p.thread), 0);
	job_check_free(&mine);
	job_check_free(&theirs);
	close_bdev(&c);
	destroy_bdev("Crypto0");
}

/* Write-zeroes writes encrypted zeroes; unmap, flush and reset go to the base. */
static void test_zeroes_and_pass_through(void **state)
{
	struct open_bdev c, base;
	char *buf = buf_alloc(64 * KiB), *pt = buf_alloc(64 * KiB);

	(void)state;
	assert_int_equal(create_crypto("Crypto0", "Malloc0", KEY_A, KEY_B), 0);
	open_bdev("Crypto0", true, &c);
	for (int t = SPDKRT_BDEV_IO_READ; t <= SPDKRT_BDEV_IO_WRITE_ZEROES; t++)
		assert_true(spdkrt_bdev_io_type_supported(c.bdev, (enum spdkrt_bdev_io_type)t));
	fill_pattern(pt, 64 * KiB, 48, 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(c.desc, c.ch, pt, 0, 128, IO_CB)), 0);
	/* 300 blocks: more than a bounce buffer, split by the core. */
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_zeroes_blocks(c.desc, c.ch, 16, 300, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(c.desc, c.ch, buf, 0, 128, IO_CB)), 0);
	assert_memory_equal(buf, pt, 16 * 512);
	assert_true(is_zero(buf + 16 * 512, 112 * 512));
	open_bdev("Malloc0", false, &base);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(base.desc, base.ch, buf, 16, 1, IO_CB)),
			 0);
	assert_false(is_zero(buf, 512)); /* the base holds encrypted zeroes */
	close_bdev(&base);
	assert_int_equal(SYNC_IO(spdkrt_bdev_unmap_blocks(c.desc, c.ch, 0, 8, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_flush_blocks(c.desc, c.ch, 0, 2048, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_reset(c.desc, c.ch, IO_CB)), 0);
	close_bdev(&c);
	destroy_bdev("Crypto0");
	free(buf);
	free(pt);
}

/* The claim: nobody else writes to the base or destroys it while the vbdev lives. */
static void test_claims_its_base(void **state)
{
	struct spdkrt_bdev_desc *desc = NULL;

	(void)state;
	assert_int_equal(create_crypto("Crypto0", "Malloc0", KEY_A, KEY_B), 0);
	assert_int_equal(spdkrt_bdev_open("Malloc0", true, events_cb, NULL, &desc), -EPERM);
	assert_logged("claimed by 'Crypto0'");
	assert_int_equal(create_crypto("Crypto1", "Malloc0", KEY_A, KEY_C), -EPERM);
	assert_null(spdkrt_bdev_get_by_name("Crypto1"));
	assert_int_equal(spdkrt_bdev_destroy("Malloc0", NULL, NULL), -EBUSY);
	/* Read-only opens are fine. */
	assert_int_equal(spdkrt_bdev_open("Malloc0", false, events_cb, NULL, &desc), 0);
	spdkrt_bdev_close(desc);
	destroy_bdev("Crypto0");
	/* Released with the vbdev. */
	assert_int_equal(spdkrt_bdev_open("Malloc0", true, events_cb, NULL, &desc), 0);
	spdkrt_bdev_close(desc);
}

/* The base goes away under the vbdev (a hot removal): the vbdev destroys itself. */
static void test_base_removed(void **state)
{
	struct open_bdev c;
	struct spdkrt_bdev *base = spdkrt_bdev_get_by_name("Malloc0");
	int done = 0;

	(void)state;
	assert_int_equal(create_crypto("Crypto0", "Malloc0", KEY_A, KEY_B), 0);
	open_bdev("Crypto0", true, &c);
	/* What a module does when its device disappears: the claim no longer protects it. */
	srt_bdev_release_claim(base);
	assert_int_equal(spdkrt_bdev_destroy("Malloc0", destroy_done_cb, &done), 0);
	poll_until(c.events.removes == 1);
	close_bdev(&c);
	poll_until(done != 0 && spdkrt_bdev_get_by_name("Crypto0") == NULL);
	assert_logged("its base 'Malloc0' is going away");
	/* teardown destroys Malloc0 again */
	assert_int_equal(
		spdkrt_bdev_create("malloc:name=Malloc0,num_blocks=2048,block_size=512", NULL), 0);
}

/* A vbdev over a file bdev with O_DIRECT: its alignment is the base's. */
static void test_over_aio(void **state)
{
	char dir[256], path[4096], spec[8192];
	struct open_bdev c;
	char *pt = buf_alloc(64 * KiB), *buf = buf_alloc(64 * KiB);

	(void)state;
	make_dir("/tmp", dir, sizeof(dir));
	make_file(dir, "disk", 4 * 1024 * 1024, path, sizeof(path));
	snprintf(spec, sizeof(spec), "aio:name=Aio0,filename=%s,block_size=4096", path);
	assert_int_equal(spdkrt_bdev_create(spec, NULL), 0);
	assert_int_equal(create_crypto("Crypto0", "Aio0", V10_KEY1, V10_KEY2), 0);
	open_bdev("Crypto0", true, &c);
	assert_int_equal(spdkrt_bdev_get_block_size(c.bdev), 4096);
	assert_int_equal(spdkrt_bdev_get_buf_align(c.bdev),
			 spdkrt_bdev_get_buf_align(spdkrt_bdev_get_by_name("Aio0")));
	fill_pattern(pt, 64 * KiB, 49, 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_write_blocks(c.desc, c.ch, pt, 100, 16, IO_CB)), 0);
	assert_int_equal(SYNC_IO(spdkrt_bdev_read_blocks(c.desc, c.ch, buf, 100, 16, IO_CB)), 0);
	assert_memory_equal(buf, pt, 64 * KiB);
	close_bdev(&c);
	destroy_bdev("Crypto0");
	destroy_bdev("Aio0");
	remove_tree(dir, "disk");
	free(pt);
	free(buf);
}

struct bad_spec {
	const char *spec;
	int rc;
	const char *logged;
};

/* Wrong specs fail with a clear line, and no key ever shows up in the log. */
static void test_spec_errors_never_log_keys(void **state)
{
	static const char k32[] = "00112233445566778899aabbccddeeff";
	static const char k64[] =
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	static const char kb[] = "ffeeddccbbaa99887766554433221100";
	const struct bad_spec cases[] = {
		{ "crypto:name=C,base=Malloc0,cipher=AES_XTS,key=00112233445566778899aabbccddee,"
		  "key2=ffeeddccbbaa99887766554433221100",
		  -EINVAL, "key must be 32 or 64 hex digits" },
		{ "crypto:name=C,base=Malloc0,cipher=AES_XTS,key=00112233445566778899aabbccddeeff,"
		  "key2=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100",
		  -EINVAL, "same length" },
		{ "crypto:name=C,base=Malloc0,cipher=AES_XTS,key=0011223344556677889gaabbccddeeff,"
		  "key2=ffeeddccbbaa99887766554433221100",
		  -EINVAL, "not a hex digit" },
		{ "crypto:name=C,base=Malloc0,cipher=AES_XTS,key=00112233445566778899aabbccddeeff,"
		  "key2=00112233445566778899aabbccddeeff",
		  -EINVAL, "must differ" },
		{ "crypto:name=C,base=Malloc0,cipher=AES_CBC,key=00112233445566778899aabbccddeeff,"
		  "key2=ffeeddccbbaa99887766554433221100",
		  -EINVAL, "cipher 'AES_CBC' is not supported" },
		{ "crypto:name=C,base=Malloc0,key=00112233445566778899aabbccddeeff,"
		  "key2=ffeeddccbbaa99887766554433221100",
		  -EINVAL, "'cipher' is required" },
		{ "crypto:name=C,base=Malloc0,cipher=AES_XTS,key=00112233445566778899aabbccddeeff",
		  -EINVAL, "'key2' is required" },
		{ "crypto:name=C,base=Nope,cipher=AES_XTS,key=00112233445566778899aabbccddeeff,"
		  "key2=ffeeddccbbaa99887766554433221100",
		  -ENODEV, "cannot open its base 'Nope'" },
		{ "crypto:name=C,base=Malloc0,cipher=AES_XTS,key=00112233445566778899aabbccddeeff,"
		  "key2=ffeeddccbbaa99887766554433221100,extra=1",
		  -EINVAL, "unknown key 'extra'" },
		/* malformed and misspelt specs echo the text: the key values are hidden there */
		{ "crypto:name=C,key=00112233445566778899aabbccddeeff,oops", -EINVAL, "key=***" },
		{ "crpyto:name=C,key=00112233445566778899aabbccddeeff,"
		  "key2=ffeeddccbbaa99887766554433221100",
		  -ENODEV, "unknown module 'crpyto'" },
		{ "crypto:name=C,key2:ffeeddccbbaa99887766554433221100", -EINVAL, "not key=value" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = spdkrt_bdev_create(cases[i].spec, NULL);

		if (rc != cases[i].rc)
			fail_msg("case %zu: %d instead of %d", i, rc, cases[i].rc);
		if (strstr(g_log_capture.text, "00112233445566778899aabbccdd") != NULL ||
		    strstr(g_log_capture.text, "ffeeddccbbaa99887766554433221100") != NULL)
			fail_msg("case %zu: a key reached the log:\n%s", i, g_log_capture.text);
		assert_logged(cases[i].logged);
		assert_null(spdkrt_bdev_get_by_name("C"));
	}
	/* A working one: its creation log line does not show the keys either. */
	assert_int_equal(spdkrt_log_set_level(SPDKRT_LOG_DEBUG), 0);
	assert_int_equal(create_crypto("C", "Malloc0", k64, kb), -EINVAL);
	assert_null(strstr(g_log_capture.text, k64));
	assert_int_equal(create_crypto("C", "Malloc0", k32, kb), 0);
	assert_null(strstr(g_log_capture.text, k32));
	assert_null(strstr(g_log_capture.text, kb));
	destroy_bdev("C");
	assert_null(strstr(g_log_capture.text, k32));
	spdkrt_log_set_level(SPDKRT_LOG_NOTICE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ieee1619_vector4_aes128, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ieee1619_vector10_aes256, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ieee1619_decrypts_existing_data, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ieee1619_vector1_equal_keys_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_base_holds_ciphertext_and_keys_matter, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_odd_iovecs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tiny_iovecs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_length_iovec_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_more_writes_than_bounce_buffers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_large_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zeroes_and_pass_through, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claims_its_base, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_over_aio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spec_errors_never_log_keys, setup, teardown),
	};

	return cmocka_run_group_tests_name("modules/crypto", tests, NULL, NULL);
}
