/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PRP lists and SGLs. Every byte range is translated with spdkrt_vtophys(), which also says how
 * far the IOVA stays contiguous, so a buffer that is virtually contiguous but physically
 * scattered is described page by page. The contiguous fast path knows only the env; memory in a
 * controller memory buffer (which the env cannot translate) takes the general builders.
 */
#include <errno.h>
#include <string.h>

#include <spdkrt/env.h>

#include "nvme/pcie_data.h"

struct prp_state {
	uint64_t prp1;
	uint32_t n;           /* entries, PRP1 included */
	bool ended_unaligned; /* the last piece stopped inside a page: nothing may follow */
	uint64_t end;         /* IOVA just after the last piece */
};

static int prp_add(struct prp_state *s, uint64_t *list, uint64_t iova, uint32_t piece,
		   uint32_t page_size)
{
	if (s->n > 0 && s->ended_unaligned && iova == s->end) {
		/* Continues the previous piece inside the same page: no new entry. */
		s->end = iova + piece;
		s->ended_unaligned = (s->end & (page_size - 1)) != 0;
		return 0;
	}
	if (s->ended_unaligned)
		return -EINVAL;
	if (s->n == 0) {
		if (iova & 3u)
			return -EINVAL;
		s->prp1 = iova;
	} else {
		if ((iova & (page_size - 1)) != 0)
			return -EINVAL;
		if (s->n - 1 >= PCIE_MAX_PRP_ENTRIES)
			return -E2BIG;
		list[s->n - 1] = iova;
	}
	s->n++;
	s->end = iova + piece;
	s->ended_unaligned = (s->end & (page_size - 1)) != 0;
	return 0;
}

bool pcie_prps_contig(struct spdkrt_nvme_cmd *cmd, void *buf, uint32_t size, uint64_t *list,
		      uint64_t list_iova, uint32_t page_size)
{
	size_t run = size;
	uint64_t iova = spdkrt_vtophys(buf, &run);
	uint32_t done, n = 0;

	if (iova == SPDKRT_IOVA_INVALID || (iova & 3u))
		return false;
	cmd->flags = (uint8_t)(cmd->flags & ~SPDKRT_NVME_SET(SPDKRT_NVME_CMD_PSDT, 3u));
	cmd->dptr.prp.prp1 = iova;
	done = page_size - (uint32_t)(iova & (page_size - 1)); /* the rest of PRP1's page */
	if (size <= done) {
		cmd->dptr.prp.prp2 = 0;
		return true;
	}
	if (run < done)
		return false; /* the IOVA run ends inside the first page */
	/* One entry per page after the first, from the current IOVA run or, once it ends, the next. */
	run -= done;
	iova += done;
	for (; done < size; done += page_size) {
		if (run == 0) {
			size_t len = size - done;

			iova = spdkrt_vtophys((uint8_t *)buf + done, &len);
			if (iova == SPDKRT_IOVA_INVALID || (iova & (page_size - 1)) != 0)
				return false;
			run = len;
		}
		if (n == PCIE_MAX_PRP_ENTRIES)
			return false;
		list[n++] = iova;
		if (run > page_size) {
			run -= page_size;
			iova += page_size;
		} else if (run == page_size || run >= size - done) {
			run = 0;
		} else {
			return false; /* a run that ends inside a page: pcie_build_prps() says why */
		}
	}
	cmd->dptr.prp.prp2 = n == 1 ? list[0] : list_iova;
	return true;
}

/* The env first: a CMB is looked at only for memory the env does not know. */
static uint64_t xlate(struct pcie_xlate *x, const void *va, size_t *len)
{
	size_t want = *len;
	uint64_t iova = spdkrt_vtophys(va, len);

	if (iova != SPDKRT_IOVA_INVALID) {
		x->host = true;
		return iova;
	}
	if (x->cmb == NULL || !pcie_cmb_contains(x->cmb, va))
		return SPDKRT_IOVA_INVALID;
	x->in_cmb = true;
	*len = want;
	return pcie_cmb_addr(x->cmb, va, len);
}

int pcie_build_prps(struct spdkrt_nvme_cmd *cmd, struct nvme_sge_iter *it, uint32_t size,
		    uint64_t *list, uint64_t list_iova, uint32_t page_size, struct pcie_xlate *x)
{
	struct prp_state s = { 0 };
	uint32_t remaining = size;

	while (remaining > 0) {
		void *va;
		uint32_t seg;
		int rc = nvme_sge_iter_next(it, remaining, &va, &seg);

		if (rc != 0)
			return rc;
		remaining -= seg;
		while (seg > 0) {
			size_t clen = seg;
			uint64_t iova = xlate(x, va, &clen);

			if (iova == SPDKRT_IOVA_INVALID || clen == 0)
				return -EFAULT;
			seg -= (uint32_t)clen;
			va = (uint8_t *)va + clen;
			while (clen > 0) {
				uint32_t in_page = page_size - (uint32_t)(iova & (page_size - 1));
				uint32_t piece = clen < in_page ? (uint32_t)clen : in_page;

				rc = prp_add(&s, list, iova, piece, page_size);
				if (rc != 0)
					return rc;
				iova += piece;
				clen -= piece;
			}
		}
	}
	cmd->flags = (uint8_t)(cmd->flags & ~SPDKRT_NVME_SET(SPDKRT_NVME_CMD_PSDT, 3u));
	cmd->dptr.prp.prp1 = s.prp1;
	cmd->dptr.prp.prp2 = s.n <= 1 ? 0 : (s.n == 2 ? list[0] : list_iova);
	return 0;
}

int pcie_build_sgl(struct spdkrt_nvme_cmd *cmd, struct nvme_sge_iter *it, uint32_t size,
		   uint64_t *list, uint64_t list_iova, bool dword_aligned, struct pcie_xlate *x)
{
	struct spdkrt_nvme_sgl_descriptor *desc = (struct spdkrt_nvme_sgl_descriptor *)list;
	uint8_t data_block = SPDKRT_NVME_SGL_ID(SPDKRT_NVME_SGL_TYPE_DATA_BLOCK,
						SPDKRT_NVME_SGL_SUBTYPE_ADDRESS);
	uint32_t remaining = size, n = 0;

	while (remaining > 0) {
		void *va;
		uint32_t seg;
		int rc = nvme_sge_iter_next(it, remaining, &va, &seg);

		if (rc != 0)
			return rc;
		remaining -= seg;
		while (seg > 0) {
			size_t clen = seg;
			uint64_t iova = xlate(x, va, &clen);

			if (iova == SPDKRT_IOVA_INVALID || clen == 0)
				return -EFAULT;
			if (dword_aligned && ((iova | clen) & 3u))
				return -EINVAL;
			seg -= (uint32_t)clen;
			va = (uint8_t *)va + clen;
			if (n > 0 && desc[n - 1].address + desc[n - 1].length == iova) {
				desc[n - 1].length += (uint32_t)clen;
				continue;
			}
			if (n == PCIE_MAX_SGL_DESCRIPTORS)
				return -E2BIG;
			memset(&desc[n], 0, sizeof(desc[n]));
			desc[n].address = iova;
			desc[n].length = (uint32_t)clen;
			desc[n].id = data_block;
			n++;
		}
	}
	cmd->flags =
		(uint8_t)((cmd->flags & ~SPDKRT_NVME_SET(SPDKRT_NVME_CMD_PSDT, 3u)) |
			  SPDKRT_NVME_SET(SPDKRT_NVME_CMD_PSDT, SPDKRT_NVME_PSDT_SGL_MPTR_CONTIG));
	if (n == 1) {
		cmd->dptr.sgl1 = desc[0];
		return 0;
	}
	memset(&cmd->dptr.sgl1, 0, sizeof(cmd->dptr.sgl1));
	cmd->dptr.sgl1.address = list_iova;
	cmd->dptr.sgl1.length = n * (uint32_t)sizeof(*desc);
	cmd->dptr.sgl1.id = SPDKRT_NVME_SGL_ID(SPDKRT_NVME_SGL_TYPE_LAST_SEGMENT,
					       SPDKRT_NVME_SGL_SUBTYPE_ADDRESS);
	return 0;
}
