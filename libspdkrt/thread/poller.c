/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pollers: untimed ones run every poll, timed ones when due (kept sorted by due time), paused
 * ones not at all. A state change (unregister, pause, resume) moves a poller to its new list at
 * once, except for the poller that is running: it is only marked, and the run loop moves it
 * after its turn, so a poller may unregister itself or any other poller safely.
 */
#include <errno.h>
#include <stdlib.h>

#include "thread/internal.h"

#define SRT_LOG_COMPONENT "thread"
#include "util/log.h"

enum poller_state {
	POLLER_ACTIVE,
	POLLER_PAUSED,
	POLLER_UNREGISTERED
};

struct spdkrt_poller {
	TAILQ_ENTRY(spdkrt_poller) link;
	struct srt_poller_list *list; /* the list it is on */
	struct spdkrt_thread *thread;
	spdkrt_poller_fn fn;
	void *ctx;
	uint64_t period_ticks;
	uint64_t next_run;
	enum poller_state state;
};

static void list_remove(struct spdkrt_poller *p)
{
	if (p->list != NULL) {
		TAILQ_REMOVE(p->list, p, link);
		p->list = NULL;
	}
}

static void insert_timed(struct spdkrt_thread *t, struct spdkrt_poller *p)
{
	struct spdkrt_poller *q;

	TAILQ_FOREACH_REVERSE(q, &t->timed_pollers, srt_poller_list, link)
	{
		if (q->next_run <= p->next_run) {
			TAILQ_INSERT_AFTER(&t->timed_pollers, q, p, link);
			p->list = &t->timed_pollers;
			return;
		}
	}
	TAILQ_INSERT_HEAD(&t->timed_pollers, p, link);
	p->list = &t->timed_pollers;
}

/* Puts p on the list its state asks for, or frees it. */
static void settle(struct spdkrt_poller *p)
{
	struct spdkrt_thread *t = p->thread;

	list_remove(p);
	switch (p->state) {
	case POLLER_UNREGISTERED:
		t->num_pollers--;
		free(p);
		break;
	case POLLER_PAUSED:
		TAILQ_INSERT_TAIL(&t->paused_pollers, p, link);
		p->list = &t->paused_pollers;
		break;
	case POLLER_ACTIVE:
		if (p->period_ticks == 0) {
			TAILQ_INSERT_TAIL(&t->active_pollers, p, link);
			p->list = &t->active_pollers;
		} else {
			insert_timed(t, p);
		}
		break;
	}
}

/* now + period, saturating: a clock near UINT64_MAX must not wrap a deadline into the past. */
static uint64_t deadline(uint64_t now, uint64_t period)
{
	return period > UINT64_MAX - now ? UINT64_MAX : now + period;
}

/*
 * A poller handle is checked against the current thread's lists before use: a stale handle
 * or one of another thread is refused without being dereferenced.
 */
static bool poller_of_current_thread(const struct spdkrt_poller *p)
{
	struct spdkrt_thread *t = srt_current_thread;
	struct srt_poller_list *lists[3];
	const struct spdkrt_poller *q;

	if (t == NULL)
		return false;
	lists[0] = &t->active_pollers;
	lists[1] = &t->timed_pollers;
	lists[2] = &t->paused_pollers;
	if (p == t->current_poller)
		return true;
	for (size_t i = 0; i < 3; i++) {
		TAILQ_FOREACH(q, lists[i], link) {
			if (q == p)
				return true;
		}
	}
	return false;
}

static void change_state(struct spdkrt_poller *p, enum poller_state state)
{
	p->state = state;
	if (p->thread->current_poller != p)
		settle(p);
}

int spdkrt_poller_register(spdkrt_poller_fn fn, void *ctx, uint64_t period_us,
			   struct spdkrt_poller **out)
{
	struct spdkrt_thread *t = srt_current_thread;
	struct spdkrt_poller *p;

	if (fn == NULL || out == NULL || t == NULL) {
		SRT_ERR("spdkrt_poller_register: fn or poller is NULL, or no current spdkrt "
			"thread");
		return -EINVAL;
	}
	if (period_us > UINT64_MAX / spdkrt_get_ticks_hz()) {
		SRT_ERR("spdkrt_poller_register: period %llu us is too long",
			(unsigned long long)period_us);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->thread = t;
	p->fn = fn;
	p->ctx = ctx;
	p->period_ticks = period_us * spdkrt_get_ticks_hz() / 1000000;
	if (period_us != 0 && p->period_ticks == 0)
		p->period_ticks = 1;
	p->next_run = deadline(t->now, p->period_ticks);
	p->state = POLLER_ACTIVE;
	t->num_pollers++;
	settle(p);
	*out = p;
	return 0;
}

void spdkrt_poller_unregister(struct spdkrt_poller **pp)
{
	struct spdkrt_poller *p;

	if (pp == NULL || *pp == NULL)
		return;
	p = *pp;
	if (!poller_of_current_thread(p)) {
		/* The handle stays valid so that its owner can still unregister it. */
		SRT_MISUSE("spdkrt_poller_unregister: %p is not a poller of the current thread "
			   "(another thread's, or unregistered already); ignored",
			   (void *)p);
		return;
	}
	*pp = NULL;
	change_state(p, POLLER_UNREGISTERED);
}

int spdkrt_poller_pause(struct spdkrt_poller *p)
{
	if (p == NULL || !poller_of_current_thread(p) || p->state == POLLER_UNREGISTERED) {
		SRT_MISUSE(
			"spdkrt_poller_pause: %p is not a registered poller of the current thread",
			(void *)p);
		return -EINVAL;
	}
	change_state(p, POLLER_PAUSED);
	return 0;
}

int spdkrt_poller_resume(struct spdkrt_poller *p)
{
	if (p == NULL || !poller_of_current_thread(p) || p->state == POLLER_UNREGISTERED) {
		SRT_MISUSE(
			"spdkrt_poller_resume: %p is not a registered poller of the current thread",
			(void *)p);
		return -EINVAL;
	}
	if (p->state == POLLER_PAUSED) {
		p->next_run = deadline(p->thread->now, p->period_ticks);
		change_state(p, POLLER_ACTIVE);
	}
	return 0;
}

int srt_pollers_run_active(struct spdkrt_thread *t)
{
	struct spdkrt_poller *p, *next;
	int busy = 0;

	for (p = TAILQ_FIRST(&t->active_pollers); p != NULL; p = next) {
		t->current_poller = p;
		if (p->fn(p->ctx) > 0)
			busy++;
		t->current_poller = NULL;
		next = TAILQ_NEXT(p, link);
		if (p->state != POLLER_ACTIVE)
			settle(p);
	}
	return busy;
}

int srt_pollers_run_timed(struct spdkrt_thread *t, uint64_t now)
{
	struct spdkrt_poller *p;
	int busy = 0;

	while ((p = TAILQ_FIRST(&t->timed_pollers)) != NULL && p->next_run <= now) {
		bool due_again;

		t->current_poller = p;
		if (p->fn(p->ctx) > 0)
			busy++;
		t->current_poller = NULL;
		p->next_run = deadline(now, p->period_ticks);
		/* saturated at the end of time: it would be due at once, forever */
		due_again = p->next_run <= now;
		settle(p); /* re-sorts it by its next due time, or frees or parks it */
		if (due_again)
			break;
	}
	return busy;
}

void srt_pollers_free_all(struct spdkrt_thread *t)
{
	struct srt_poller_list *lists[] = { &t->active_pollers, &t->timed_pollers,
					    &t->paused_pollers };

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		struct spdkrt_poller *p;

		while ((p = TAILQ_FIRST(lists[i])) != NULL) {
			TAILQ_REMOVE(lists[i], p, link);
			free(p);
		}
	}
	t->num_pollers = 0;
}
