/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The heap backend's DMA memory: one reserved arena of 4 KiB pages whose IOVAs are deliberately
 * unlike their virtual addresses. Each page gets an IOVA page of its own: pages of an ordinary
 * buffer are handed out in descending IOVA order (never contiguous in IOVA, so a driver that
 * assumes contiguity past a page fails), pages of a contig buffer get one ascending IOVA run.
 * IOVAs live above the user address space (0x9000'0000'0000), so a virtual address written where
 * an IOVA belongs never translates. Registered user regions get IOVAs of their own, reversed per
 * 2 MiB chunk (like hugepages that are not physically adjacent).
 *
 * One mutex serialises every change. Translation of an arena address takes no lock: it is on
 * every I/O of the default (no hugepage) mode, and a live buffer's page entries do not change
 * until it is freed, which its owner does not do while I/O on it is in flight. Entries are
 * written and read with relaxed atomics, so a translation racing a caller's free reads a stale
 * or NONE entry, never a torn one.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "env/heap_dma.h"

#define SRT_LOG_COMPONENT "env"
#include "util/log.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(addr, size) ASAN_POISON_MEMORY_REGION(addr, size)
#define UNPOISON(addr, size) ASAN_UNPOISON_MEMORY_REGION(addr, size)
#else
#define POISON(addr, size) ((void)(addr), (void)(size))
#define UNPOISON(addr, size) ((void)(addr), (void)(size))
#endif

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)
#define CHUNK_SIZE (2ull << 20)
#define HEAP_IOVA_BASE 0x900000000000ull
#define DEFAULT_ARENA_MB 1024
#define MAX_ARENA_MB 4095 /* page entries hold byte counts in 32 bits */
#define NONE UINT32_MAX

struct arena_page {
	uint32_t iova_page; /* index in the IOVA page space */
	uint32_t run_left;  /* pages from this one to the end of its IOVA-contiguous run */
	uint32_t head;      /* first page of the allocation, NONE when free */
	uint32_t bytes;     /* on the head page: the allocation's size */
};

struct region {
	struct region *next;
	char *va;
	size_t len;
	uint64_t iova; /* IOVA of the last chunk; chunk k sits at iova + (nchunks - 1 - k) chunks */
};

/* Every store to an arena_page field: relaxed, read without the lock by srt_heap_dma_translate. */
static void page_set(struct arena_page *p, uint32_t iova_page, uint32_t run_left, uint32_t head,
		     uint32_t bytes)
{
	__atomic_store_n(&p->iova_page, iova_page, __ATOMIC_RELAXED);
	__atomic_store_n(&p->run_left, run_left, __ATOMIC_RELAXED);
	__atomic_store_n(&p->head, head, __ATOMIC_RELAXED);
	__atomic_store_n(&p->bytes, bytes, __ATOMIC_RELAXED);
}

static uint32_t page_get(const uint32_t *field)
{
	return __atomic_load_n(field, __ATOMIC_RELAXED);
}

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char *g_map; /* the mmap, before alignment */
static size_t g_map_len;
static char *g_base;      /* first arena page, 2 MiB aligned */
static uint32_t g_npages; /* arena pages */
static uint32_t g_niova;  /* IOVA pages: twice the arena, so contig runs rarely fail */
static struct arena_page *g_pages;
static uint32_t *g_iova_owner; /* arena page of each IOVA page, NONE when free */
static uint32_t g_va_cursor;
static uint32_t g_iova_down; /* ordinary pages take IOVA pages downward from here */
static struct region *g_regions;
static uint64_t g_next_region_iova;

int srt_heap_dma_init(size_t mem_size_mb)
{
	size_t mb = mem_size_mb == 0 ? DEFAULT_ARENA_MB : mem_size_mb;
	size_t len;

	if (mb > MAX_ARENA_MB)
		mb = MAX_ARENA_MB;
	len = mb << 20;
	g_map_len = len + CHUNK_SIZE;
	/* NORESERVE: pages cost memory only once touched. */
	g_map = mmap(NULL, g_map_len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (g_map == MAP_FAILED) {
		g_map = NULL;
		SRT_ERR("heap backend: cannot reserve %zu MiB of address space for DMA memory", mb);
		return -ENOMEM;
	}
	g_base = (char *)(((uintptr_t)g_map + CHUNK_SIZE - 1) & ~(uintptr_t)(CHUNK_SIZE - 1));
	g_npages = (uint32_t)(len >> PAGE_SHIFT);
	g_niova = 2 * g_npages;
	g_pages = malloc(sizeof(*g_pages) * g_npages);
	g_iova_owner = malloc(sizeof(*g_iova_owner) * g_niova);
	if (g_pages == NULL || g_iova_owner == NULL) {
		srt_heap_dma_fini();
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < g_npages; i++)
		page_set(&g_pages[i], NONE, 0, NONE, 0);
	memset(g_iova_owner, 0xff, sizeof(*g_iova_owner) * g_niova);
	g_va_cursor = 0;
	g_iova_down = g_niova - 1;
	g_next_region_iova = HEAP_IOVA_BASE + ((uint64_t)g_niova << PAGE_SHIFT) + (1ull << 30);
	return 0;
}

void srt_heap_dma_fini(void)
{
	pthread_mutex_lock(&g_lock);
	while (g_regions != NULL) { /* left registered by the caller */
		struct region *r = g_regions;

		g_regions = r->next;
		free(r);
	}
	if (g_map != NULL) {
		UNPOISON(g_base, (size_t)g_npages << PAGE_SHIFT);
		munmap(g_map, g_map_len);
	}
	free(g_pages);
	free(g_iova_owner);
	g_map = NULL;
	g_base = NULL;
	g_pages = NULL;
	g_iova_owner = NULL;
	g_npages = 0;
	g_niova = 0;
	pthread_mutex_unlock(&g_lock);
}

static char *page_va(uint32_t page)
{
	return g_base + ((size_t)page << PAGE_SHIFT);
}

/* First free run of npages arena pages whose start is aligned, next-fit from the cursor. */
static uint32_t find_va_run(uint32_t npages, size_t align)
{
	uint32_t step = align > PAGE_SIZE ? (uint32_t)(align >> PAGE_SHIFT) : 1;

	for (int pass = 0; pass < 2; pass++) {
		uint32_t start = pass == 0 ? g_va_cursor : 0;
		uint32_t i = (start + step - 1) / step * step; /* g_base is 2 MiB aligned */

		while (i + npages <= g_npages && i + npages > i) {
			uint32_t used = NONE;

			for (uint32_t j = i; j < i + npages; j++) {
				if (g_pages[j].head != NONE) {
					used = j;
					break;
				}
			}
			if (used == NONE)
				return i;
			i = (used + step) / step * step;
		}
	}
	return NONE;
}

/* First free run of n IOVA pages, lowest first (ordinary pages come from the top). */
static uint32_t find_iova_run(uint32_t n)
{
	uint32_t run = 0;

	for (uint32_t i = 0; i < g_niova; i++) {
		run = g_iova_owner[i] == NONE ? run + 1 : 0;
		if (run == n)
			return i + 1 - n;
	}
	return NONE;
}

/* A free IOVA page below the previous one handed out (wrapping): never adjacent upward. */
static uint32_t take_iova_page_down(void)
{
	for (uint32_t k = 0; k < g_niova; k++) {
		uint32_t i = (g_iova_down + g_niova - k) % g_niova;

		if (g_iova_owner[i] == NONE) {
			g_iova_down = (i + g_niova - 1) % g_niova;
			return i;
		}
	}
	return NONE; /* cannot happen: there are twice as many IOVA pages as arena pages */
}

void *srt_heap_dma_malloc(size_t size, size_t align, bool contig)
{
	uint32_t npages, first, iova_first = NONE;
	char *va;

	if (size == 0 || size > UINT32_MAX || align > (1ull << 30))
		return NULL;
	npages = (uint32_t)((size + PAGE_SIZE - 1) >> PAGE_SHIFT);
	pthread_mutex_lock(&g_lock);
	if (g_pages == NULL) {
		pthread_mutex_unlock(&g_lock);
		return NULL;
	}
	first = find_va_run(npages, align);
	if (first != NONE && contig) {
		iova_first = find_iova_run(npages);
		if (iova_first == NONE)
			first = NONE;
	}
	if (first == NONE) {
		pthread_mutex_unlock(&g_lock);
		return NULL;
	}
	for (uint32_t k = 0; k < npages; k++) {
		struct arena_page *p = &g_pages[first + k];

		uint32_t iova_page = contig ? iova_first + k : take_iova_page_down();

		page_set(p, iova_page, contig ? npages - k : 1, first, k == 0 ? (uint32_t)size : 0);
		g_iova_owner[iova_page] = first + k;
	}
	g_va_cursor = first + npages;
	pthread_mutex_unlock(&g_lock);
	va = page_va(first);
	UNPOISON(va, size);
	POISON(va + size, ((size_t)npages << PAGE_SHIFT) - size);
	return va;
}

static uint32_t arena_page_of(const void *ptr)
{
	const char *p = ptr;

	if (g_base == NULL || p < g_base || p >= g_base + ((size_t)g_npages << PAGE_SHIFT))
		return NONE;
	return (uint32_t)((size_t)(p - g_base) >> PAGE_SHIFT);
}

bool srt_heap_dma_free(void *buf)
{
	uint32_t first, npages;

	pthread_mutex_lock(&g_lock);
	first = arena_page_of(buf);
	if (first == NONE || g_pages[first].head != first || page_va(first) != buf) {
		pthread_mutex_unlock(&g_lock);
		return false;
	}
	npages = (uint32_t)((g_pages[first].bytes + PAGE_SIZE - 1) >> PAGE_SHIFT);
	for (uint32_t k = 0; k < npages; k++) {
		struct arena_page *p = &g_pages[first + k];

		g_iova_owner[p->iova_page] = NONE;
		page_set(p, NONE, 0, NONE, 0);
	}
	pthread_mutex_unlock(&g_lock);
	/* Give the memory back; the next allocation of these pages starts zeroed. */
	madvise(buf, (size_t)npages << PAGE_SHIFT, MADV_DONTNEED);
	POISON(buf, (size_t)npages << PAGE_SHIFT);
	return true;
}

static struct region *region_of(const char *p)
{
	for (struct region *r = g_regions; r != NULL; r = r->next) {
		if (p >= r->va && p < r->va + r->len)
			return r;
	}
	return NULL;
}

static uint64_t region_translate(const struct region *r, const char *p, size_t *contiguous)
{
	size_t off = (size_t)(p - r->va);
	size_t nchunks = r->len / CHUNK_SIZE;
	size_t chunk = off / CHUNK_SIZE;

	*contiguous = CHUNK_SIZE - off % CHUNK_SIZE;
	return r->iova + (nchunks - 1 - chunk) * CHUNK_SIZE + off % CHUNK_SIZE;
}

/* Lock-free (see the top of the file): the page's entry, then its allocation's head entry. */
static uint64_t arena_translate(uint32_t page, const char *p, size_t *contiguous)
{
	const struct arena_page *e = &g_pages[page];
	uint32_t head = page_get(&e->head);
	size_t off_in_page = (size_t)p & (PAGE_SIZE - 1);
	size_t off_in_alloc, bytes, run;

	if (head == NONE)
		return UINT64_MAX;
	off_in_alloc = (size_t)(p - page_va(head));
	bytes = page_get(&g_pages[head].bytes);
	if (off_in_alloc >= bytes)
		return UINT64_MAX;
	run = ((size_t)page_get(&e->run_left) << PAGE_SHIFT) - off_in_page;
	*contiguous = run < bytes - off_in_alloc ? run : bytes - off_in_alloc;
	return HEAP_IOVA_BASE + ((uint64_t)page_get(&e->iova_page) << PAGE_SHIFT) + off_in_page;
}

uint64_t srt_heap_dma_translate(const void *ptr, size_t *contiguous)
{
	uint64_t iova = UINT64_MAX;
	uint32_t page = arena_page_of(ptr);
	const struct region *r;

	if (page != NONE)
		return arena_translate(page, ptr, contiguous);
	pthread_mutex_lock(&g_lock);
	r = region_of(ptr);
	if (r != NULL)
		iova = region_translate(r, ptr, contiguous);
	pthread_mutex_unlock(&g_lock);
	return iova;
}

static bool overlaps_arena(const char *va, size_t len)
{
	const char *end = g_base + ((size_t)g_npages << PAGE_SHIFT);

	return g_base != NULL && va < end && va + len > g_base;
}

int srt_heap_dma_register(void *vaddr, size_t len)
{
	char *va = vaddr;
	struct region *r;

	pthread_mutex_lock(&g_lock);
	if (overlaps_arena(va, len)) {
		pthread_mutex_unlock(&g_lock);
		return -EINVAL;
	}
	for (r = g_regions; r != NULL; r = r->next) {
		if (va < r->va + r->len && va + len > r->va) {
			pthread_mutex_unlock(&g_lock);
			return -EEXIST;
		}
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		pthread_mutex_unlock(&g_lock);
		return -ENOMEM;
	}
	r->va = va;
	r->len = len;
	r->iova = g_next_region_iova;
	/* IOVAs are never reused: a gap of one chunk keeps regions apart in IOVA too. */
	g_next_region_iova += len + CHUNK_SIZE;
	r->next = g_regions;
	g_regions = r;
	pthread_mutex_unlock(&g_lock);
	return 0;
}

int srt_heap_dma_unregister(void *vaddr, size_t len)
{
	struct region **link;

	pthread_mutex_lock(&g_lock);
	for (link = &g_regions; *link != NULL; link = &(*link)->next) {
		struct region *r = *link;

		if (r->va == vaddr && r->len == len) {
			*link = r->next;
			pthread_mutex_unlock(&g_lock);
			free(r);
			return 0;
		}
	}
	pthread_mutex_unlock(&g_lock);
	return -ENOENT;
}

/* VA of an arena IOVA, or NULL; *contiguous: bytes from there that are contiguous in both. */
static char *arena_iova_to_va(uint64_t iova, size_t *contiguous)
{
	uint64_t rel = iova - HEAP_IOVA_BASE;
	uint32_t ipage, owner;
	size_t off = (size_t)(rel & (PAGE_SIZE - 1));

	if (iova < HEAP_IOVA_BASE || (rel >> PAGE_SHIFT) >= g_niova)
		return NULL;
	ipage = (uint32_t)(rel >> PAGE_SHIFT);
	owner = g_iova_owner[ipage];
	if (owner == NONE)
		return NULL;
	*contiguous = ((size_t)g_pages[owner].run_left << PAGE_SHIFT) - off;
	return page_va(owner) + off;
}

static char *region_iova_to_va(uint64_t iova, size_t *contiguous)
{
	for (const struct region *r = g_regions; r != NULL; r = r->next) {
		if (iova >= r->iova && iova - r->iova < r->len) {
			uint64_t rel = iova - r->iova;
			size_t nchunks = r->len / CHUNK_SIZE;
			size_t chunk = nchunks - 1 - rel / CHUNK_SIZE;

			*contiguous = CHUNK_SIZE - rel % CHUNK_SIZE;
			return r->va + chunk * CHUNK_SIZE + rel % CHUNK_SIZE;
		}
	}
	return NULL;
}

void *srt_heap_dma_iova_to_vaddr(uint64_t iova, size_t len)
{
	char *va = NULL;
	size_t contiguous = 0;

	pthread_mutex_lock(&g_lock);
	if (g_pages != NULL) {
		va = arena_iova_to_va(iova, &contiguous);
		if (va == NULL)
			va = region_iova_to_va(iova, &contiguous);
	}
	pthread_mutex_unlock(&g_lock);
	return va != NULL && len <= contiguous ? va : NULL;
}
