/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data transfer as a controller does it: walk the command's PRP entries (PRP1, PRP2 or a chained
 * PRP list) or its SGL (data blocks, bit buckets, segments and last segments) and move bytes
 * through srt_dma_iova_to_vaddr(), one page at a time, since IOVA-contiguous memory need not be
 * contiguous in the model's address space. A bad PRP offset, a malformed SGL or an address that
 * is not DMA memory fails the command with the status a controller would return.
 */
#define SRT_LOG_COMPONENT "nvme_model"
#include <string.h>

#include "env/dma.h"
#include "internal.h"
#include "util/log.h"

#define MODEL_MAX_SGL_DESCRIPTORS 4096 /* more means a loop: Invalid Number of SGL Descriptors */

uint8_t *model_cmb_addr(const struct nvme_model *m, uint64_t addr, size_t len)
{
	uint64_t off = addr - m->cmb_cba;

	if (!m->cmb_cmse || addr < m->cmb_cba || off >= m->opts.cmb_size ||
	    len > m->opts.cmb_size - off)
		return NULL;
	return m->cmb + off;
}

void *model_dma(struct nvme_model *m, uint64_t iova, size_t len)
{
	void *va = model_cmb_addr(m, iova, len);

	if (va != NULL)
		return va;
	va = srt_dma_iova_to_vaddr(iova, len);

	if (va == NULL) {
		m->stats.dma_errors++;
		SRT_ERR("DMA to IOVA 0x%llx length %zu: not DMA memory (a virtual address given "
			"as IOVA?)",
			(unsigned long long)iova, len);
	}
	return va;
}

uint32_t model_max_transfer(const struct nvme_model *m)
{
	if (m->opts.mdts == 0 || m->opts.mdts > 20)
		return UINT32_MAX;
	return (4096u << m->opts.mpsmin) << m->opts.mdts;
}

struct transfer {
	struct nvme_model *m;
	uint8_t *buf;
	size_t len, done;
	enum model_dir dir;
};

/* Move the next `len` bytes of the buffer to/from [iova, iova + len), page by page. */
static int move(struct transfer *t, uint64_t iova, size_t len, bool bit_bucket, uint8_t *sc)
{
	if (len > t->len - t->done)
		len = t->len - t->done;
	if (bit_bucket) {
		if (t->dir == MODEL_FROM_HOST) {
			*sc = SC_SGL_DESC_TYPE_INVALID; /* nothing to read from a bit bucket */
			return -1;
		}
		t->done += len;
		return 0;
	}
	while (len > 0) {
		size_t chunk = 4096 - (iova & 4095);
		uint8_t *va;

		if (chunk > len)
			chunk = len;
		if (model_cmb_addr(t->m, iova, chunk) != NULL) {
			/* Data in the CMB as CMBSZ allows: RDS for reads, WDS for writes. */
			uint32_t need = t->dir == MODEL_TO_HOST ? CMBSZ_RDS : CMBSZ_WDS;

			if (!(model_cmbsz_flags(t->m) & need)) {
				SRT_ERR("%s data in the CMB without CMBSZ.%s",
					t->dir == MODEL_TO_HOST ? "read" : "write",
					t->dir == MODEL_TO_HOST ? "RDS" : "WDS");
				*sc = SC_INVALID_CMB_USE;
				return -1;
			}
			t->m->stats.cmb_data_bytes += chunk;
		}
		va = model_dma(t->m, iova, chunk);
		if (va == NULL) {
			*sc = SC_DATA_TRANSFER_ERROR;
			return -1;
		}
		if (t->dir == MODEL_TO_HOST)
			memcpy(va, t->buf + t->done, chunk);
		else
			memcpy(t->buf + t->done, va, chunk);
		t->done += chunk;
		iova += chunk;
		len -= chunk;
	}
	return 0;
}

static int read_u64(struct nvme_model *m, uint64_t iova, uint64_t *v)
{
	const void *p = model_dma(m, iova, sizeof(*v));

	if (p == NULL)
		return -1;
	memcpy(v, p, sizeof(*v));
	return 0;
}

static int walk_prps(struct transfer *t, const uint8_t *sqe, uint8_t *sc)
{
	uint64_t prp1 = get64(sqe, SQE_PRP1), prp2 = get64(sqe, SQE_PRP2), list;
	uint64_t ps = t->m->page_size;
	size_t first, rem;
	bool chained = false;

	if (prp1 & 3) {
		*sc = SC_INVALID_PRP_OFFSET;
		return -1;
	}
	first = ps - (prp1 & (ps - 1));
	if (first > t->len)
		first = t->len;
	if (move(t, prp1, first, false, sc) != 0)
		return -1;
	rem = t->len - t->done;
	if (rem == 0)
		return 0;
	if (rem <= ps) {
		if (prp2 & (ps - 1)) {
			*sc = SC_INVALID_PRP_OFFSET;
			return -1;
		}
		return move(t, prp2, rem, false, sc);
	}
	list = prp2;
	if (list & 7) {
		*sc = SC_INVALID_PRP_OFFSET;
		return -1;
	}
	while (t->done < t->len) {
		uint64_t entry;
		bool last_slot = ((list + 8) & (ps - 1)) == 0;

		if (read_u64(t->m, list, &entry) != 0) {
			*sc = SC_DATA_TRANSFER_ERROR;
			return -1;
		}
		if (last_slot && t->len - t->done > ps) {
			/* the last entry of a list page points to the next list page; a list that
			 * chains again before any data entry would loop */
			if ((entry & 7) || chained) {
				*sc = SC_INVALID_PRP_OFFSET;
				return -1;
			}
			list = entry;
			chained = true;
			continue;
		}
		if (entry & (ps - 1)) {
			*sc = SC_INVALID_PRP_OFFSET;
			return -1;
		}
		if (move(t, entry, ps, false, sc) != 0)
			return -1;
		chained = false;
		list += 8;
	}
	return 0;
}

static uint8_t sgl_type(const uint8_t *desc)
{
	return desc[15] >> 4;
}

/* One data or bit bucket descriptor; anything else here is invalid. */
static int sgl_data(struct transfer *t, const uint8_t *desc, uint8_t *sc)
{
	uint8_t type = sgl_type(desc);

	if ((desc[15] & 0xF) != 0 || (type != SGL_TYPE_DATA_BLOCK && type != SGL_TYPE_BIT_BUCKET)) {
		*sc = SC_SGL_DESC_TYPE_INVALID;
		return -1;
	}
	if (t->m->opts.sgl_dword_aligned && type == SGL_TYPE_DATA_BLOCK &&
	    ((get64(desc, 0) | get32(desc, 8)) & 3) != 0) {
		*sc = SC_SGL_DATA_BLOCK_GRANULARITY_INVALID;
		return -1;
	}
	return move(t, get64(desc, 0), get32(desc, 8), type == SGL_TYPE_BIT_BUCKET, sc);
}

static int walk_sgl(struct transfer *t, const uint8_t *sqe, uint8_t *sc)
{
	uint8_t desc[SGL_DESC_SIZE];
	unsigned seen = 0;

	memcpy(desc, sqe + SQE_SGL1, sizeof(desc));
	while (sgl_type(desc) == SGL_TYPE_SEGMENT || sgl_type(desc) == SGL_TYPE_LAST_SEGMENT) {
		bool last = sgl_type(desc) == SGL_TYPE_LAST_SEGMENT;
		uint64_t addr = get64(desc, 0);
		uint32_t n = get32(desc, 8) / SGL_DESC_SIZE;

		if ((desc[15] & 0xF) != 0) {
			*sc = SC_SGL_DESC_TYPE_INVALID;
			return -1;
		}
		if (n == 0 || get32(desc, 8) % SGL_DESC_SIZE != 0 || (addr & 3)) {
			*sc = SC_INVALID_SGL_SEGMENT;
			return -1;
		}
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *d;

			if (++seen > MODEL_MAX_SGL_DESCRIPTORS) {
				*sc = SC_INVALID_NUM_SGL_DESC;
				return -1;
			}
			d = model_dma(t->m, addr + (uint64_t)i * SGL_DESC_SIZE, SGL_DESC_SIZE);
			if (d == NULL) {
				*sc = SC_DATA_TRANSFER_ERROR;
				return -1;
			}
			memcpy(desc, d, sizeof(desc));
			if (sgl_type(desc) == SGL_TYPE_SEGMENT ||
			    sgl_type(desc) == SGL_TYPE_LAST_SEGMENT) {
				/* only the last descriptor of a (non-last) segment may chain */
				if (last || i != n - 1) {
					*sc = SC_INVALID_SGL_SEGMENT;
					return -1;
				}
				break;
			}
			if (!last && i == n - 1) {
				*sc = SC_INVALID_SGL_SEGMENT;
				return -1;
			}
			if (sgl_data(t, desc, sc) != 0)
				return -1;
		}
		if (last)
			break;
	}
	if (sgl_type(desc) != SGL_TYPE_SEGMENT && sgl_type(desc) != SGL_TYPE_LAST_SEGMENT &&
	    seen == 0 && sgl_data(t, desc, sc) != 0)
		return -1;
	if (t->done < t->len) {
		*sc = SC_DATA_SGL_LENGTH_INVALID;
		return -1;
	}
	return 0;
}

int model_transfer(struct nvme_model *m, const uint8_t *sqe, bool admin, void *buf, size_t len,
		   enum model_dir dir, uint8_t *sct)
{
	struct transfer t = { .m = m, .buf = buf, .len = len, .dir = dir };
	uint8_t psdt = PSDT(sqe[SQE_FLAGS]);
	uint8_t sc = SC_SUCCESS;
	int rc;

	*sct = SCT_GENERIC;
	if (len == 0)
		return SC_SUCCESS;
	if (psdt == PSDT_PRP) {
		rc = walk_prps(&t, sqe, &sc);
	} else if (admin || !m->opts.sgl || psdt != PSDT_SGL_MPTR_CONTIG) {
		/* PCIe admin commands use PRPs; metadata SGLs (PSDT 10b) are not offered */
		return SC_INVALID_FIELD;
	} else {
		rc = walk_sgl(&t, sqe, &sc);
	}
	return rc == 0 ? SC_SUCCESS : sc;
}

int model_transfer_metadata(struct nvme_model *m, const uint8_t *sqe, void *buf, size_t len,
			    enum model_dir dir)
{
	struct transfer t = { .m = m, .buf = buf, .len = len, .dir = dir };
	uint64_t mptr = get64(sqe, SQE_MPTR);
	uint8_t sc = SC_SUCCESS;

	if (len == 0)
		return SC_SUCCESS;
	if (mptr & 3)
		return SC_INVALID_FIELD;
	return move(&t, mptr, len, false, &sc) == 0 ? SC_SUCCESS : sc;
}
