// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/errno.h>

#include "memslot_model.h"

typedef unsigned __int128 u128;

void ref_init(struct ref_memslots *r)
{
	memset(r, 0, sizeof(*r));
}

int ref_set(struct ref_memslots *r,
	    const struct kvm_userspace_memory_region *req, u32 supported,
	    enum svx_mr_change *change)
{
	u64 gpa = req->guest_phys_addr, size = req->memory_size;
	u64 hva = req->userspace_addr, start, end;
	u32 as = req->slot >> 16, id = req->slot & 0xffff, j;
	struct ref_slot *s;

	if (req->flags & ~supported)
		return -EINVAL;
	if (size % 4096 || gpa % 4096 || hva % 4096)
		return -EINVAL;
	/* @r is the set of the request's address space (0 or 1, SMM) */
	if (as >= SVX_ADDRESS_SPACE_NUM || id >= SVX_MEM_SLOTS_NUM)
		return -EINVAL;
	if ((u128)gpa + size >= ((u128)1 << 64))
		return -EINVAL;
	if (size / 4096 > (1ULL << 31) - 1)
		return -EINVAL;

	s = &r->slot[id];
	if (size == 0) {
		if (!s->used)
			return -EINVAL;
		s->used = false;
		r->generation++;
		*change = SVX_MR_DELETE;
		return 0;
	}
	start = gpa / 4096;
	end = start + size / 4096;
	if (s->used) {
		if (hva != s->hva || size / 4096 != s->npages ||
		    (req->flags & KVM_MEM_READONLY) !=
		    (s->flags & KVM_MEM_READONLY))
			return -EINVAL;
		if (start != s->base_gfn)
			*change = SVX_MR_MOVE;
		else if (req->flags != s->flags)
			*change = SVX_MR_FLAGS_ONLY;
		else
			*change = SVX_MR_NONE;
	} else {
		*change = SVX_MR_CREATE;
	}
	if (*change == SVX_MR_CREATE || *change == SVX_MR_MOVE) {
		for (j = 0; j < SVX_MEM_SLOTS_NUM; j++) {
			const struct ref_slot *o = &r->slot[j];

			if (j == id || !o->used)
				continue;
			if (start < o->base_gfn + o->npages &&
			    o->base_gfn < end)
				return -EEXIST;
		}
	}
	if (*change == SVX_MR_NONE)
		return 0;
	s->used = true;
	s->base_gfn = start;
	s->npages = size / 4096;
	s->hva = hva;
	s->flags = req->flags;
	r->generation++;
	return 0;
}

int ref_find(const struct ref_memslots *r, u64 gfn)
{
	int j;

	for (j = 0; j < SVX_MEM_SLOTS_NUM; j++) {
		const struct ref_slot *o = &r->slot[j];

		if (o->used && gfn >= o->base_gfn &&
		    gfn < o->base_gfn + o->npages)
			return j;
	}
	return -1;
}

const char *ms_invariants(const struct svx_memslots *s)
{
	static char buf[160];
	unsigned int i, mapped = 0;

#define BAD(...) do { snprintf(buf, sizeof(buf), __VA_ARGS__); return buf; } while (0)
	if (s->nr > SVX_MEM_SLOTS_NUM)
		BAD("nr %u > %u", s->nr, SVX_MEM_SLOTS_NUM);
	if (s->last_used < -1 || s->last_used >= (int)s->nr)
		BAD("last_used %d out of [-1, %u)", s->last_used, s->nr);
	for (i = 0; i < s->nr; i++) {
		const struct svx_memslot *m = &s->slots[i];

		if (!m->npages || m->npages > SVX_MEM_MAX_NR_PAGES)
			BAD("slot[%u] npages %llu", i, m->npages);
		if (m->base_gfn + m->npages < m->base_gfn)
			BAD("slot[%u] wraps", i);
		if (m->id >= SVX_MEM_SLOTS_NUM)
			BAD("slot[%u] id %u", i, m->id);
		if (s->id_to_index[m->id] != (int)i)
			BAD("id_to_index[%u] = %d, slot at %u", m->id,
			    s->id_to_index[m->id], i);
		if (m->pad)
			BAD("slot[%u] pad %u", i, m->pad);
		if (i + 1 < s->nr &&
		    m->base_gfn + m->npages > s->slots[i + 1].base_gfn)
			BAD("slot[%u] (gfn %llu+%llu) not below slot[%u] (gfn %llu)",
			    i, m->base_gfn, m->npages, i + 1,
			    s->slots[i + 1].base_gfn);
	}
	for (i = 0; i < SVX_MEM_SLOTS_NUM; i++) {
		int x = s->id_to_index[i];

		if (x == -1)
			continue;
		if (x < 0 || x >= (int)s->nr)
			BAD("id_to_index[%u] = %d, nr %u", i, x, s->nr);
		if (s->slots[x].id != i)
			BAD("id_to_index[%u] = %d holds id %u", i, x,
			    s->slots[x].id);
		mapped++;
	}
	if (mapped != s->nr)
		BAD("%u ids mapped, nr %u", mapped, s->nr);
#undef BAD
	return NULL;
}

struct ms_world *ms_world_new(void)
{
	struct ms_world *w = calloc(1, sizeof(*w));

	if (!w)
		abort();
	w->cur = malloc(sizeof(*w->cur));
	w->next = malloc(sizeof(*w->next));
	if (!w->cur || !w->next)
		abort();
	svx_memslots_init(w->cur);
	ref_init(&w->ref);
	return w;
}

void ms_world_free(struct ms_world *w)
{
	free(w->cur);
	free(w->next);
	free(w);
}

__attribute__((format(printf, 2, 3)))
static bool mismatch(struct ms_world *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
	w->mismatches++;
	return false;
}

bool ms_world_compare(struct ms_world *w)
{
	const char *bad = ms_invariants(w->cur);
	unsigned int id;

	if (bad)
		return mismatch(w, "invariant: %s", bad);
	if (w->cur->generation != w->ref.generation)
		return mismatch(w, "generation %llu, ref %llu",
				w->cur->generation,
				(unsigned long long)w->ref.generation);
	for (id = 0; id < SVX_MEM_SLOTS_NUM; id++) {
		const struct svx_memslot *m = svx_memslot_by_id(w->cur, id);
		const struct ref_slot *r = &w->ref.slot[id];

		if (!m != !r->used)
			return mismatch(w, "slot id %u: %s, ref %s", id,
					m ? "present" : "absent",
					r->used ? "present" : "absent");
		if (m && (m->id != id || m->base_gfn != r->base_gfn ||
			  m->npages != r->npages ||
			  m->userspace_addr != r->hva || m->flags != r->flags))
			return mismatch(w, "slot id %u differs from ref", id);
	}
	return true;
}

static int err_class(int r)
{
	return r == 0 ? 0 : r == -EINVAL ? 1 : r == -EEXIST ? 2 : 3;
}

bool ms_world_set(struct ms_world *w,
		  const struct kvm_userspace_memory_region *req)
{
	enum svx_mr_change ch = SVX_MR_NONE, rch = SVX_MR_NONE;
	const struct svx_memslot *old = (const void *)1;
	struct svx_memslot new;
	struct svx_memslots *t;
	int r, rr;
	u16 id = (u16)req->slot;

	w->ops++;
	r = svx_memslot_check(w->cur, req, MS_SUPPORTED_FLAGS, &ch, &new, &old);
	rr = ref_set(&w->ref, req, MS_SUPPORTED_FLAGS, &rch);
	w->errs[err_class(r)]++;
	if (r != rr)
		return mismatch(w, "slot %#x gpa %#llx size %#llx hva %#llx flags %#x: errno %d, ref %d",
				req->slot, req->guest_phys_addr,
				req->memory_size, req->userspace_addr,
				req->flags, r, rr);
	if (r)
		return true;
	if (ch != rch)
		return mismatch(w, "change %d, ref %d", ch, rch);
	w->changes[ch]++;
	if ((ch == SVX_MR_CREATE) != !old)
		return mismatch(w, "old %p for change %d", old, ch);
	if (old && (old != svx_memslot_by_id(w->cur, id)))
		return mismatch(w, "old does not point at slot id %u", id);
	if (ch != SVX_MR_DELETE &&
	    (new.id != id || new.base_gfn != req->guest_phys_addr >> 12 ||
	     new.npages != req->memory_size >> 12 ||
	     new.userspace_addr != req->userspace_addr ||
	     new.flags != req->flags || new.pad))
		return mismatch(w, "new slot does not match the request");
	if (ch == SVX_MR_NONE)
		return ms_world_compare(w);

	/* Apply must not touch cur: keep a copy to compare. */
	{
		static struct svx_memslots before;
		int lu_id = -1;

		if (w->cur->last_used >= 0)
			lu_id = w->cur->slots[w->cur->last_used].id;
		memcpy(&before, w->cur, sizeof(before));
		svx_memslots_apply(w->next, w->cur, ch, id, &new);
		w->applies++;
		if (memcmp(&before, w->cur, sizeof(before)))
			return mismatch(w, "apply modified cur");
		/* Cache follows its slot unless the slot was deleted. */
		if (lu_id >= 0 &&
		    (ch == SVX_MR_DELETE && lu_id == id ?
		     w->next->last_used != -1 :
		     w->next->last_used != w->next->id_to_index[lu_id]))
			return mismatch(w, "last_used not carried over");
	}
	t = w->cur;
	w->cur = w->next;
	w->next = t;
	return ms_world_compare(w);
}

bool ms_world_find(struct ms_world *w, u64 gfn)
{
	const struct svx_memslot *m = svx_memslot_find(w->cur, gfn);
	int rid = ref_find(&w->ref, gfn);

	w->ops++;
	if (!m != (rid < 0) || (m && m->id != rid))
		return mismatch(w, "find gfn %#llx: id %d, ref %d",
				(unsigned long long)gfn, m ? m->id : -1, rid);
	if (m && w->cur->last_used != m - w->cur->slots)
		return mismatch(w, "find gfn %#llx: last_used %d, want %td",
				(unsigned long long)gfn, w->cur->last_used,
				m - w->cur->slots);
	return true;
}

/* Byte source for the decoder: zeros once exhausted. */
struct bytes {
	const u8 *p;
	size_t n, i;
};

static u64 get(struct bytes *b, int nbytes)
{
	u64 v = 0;

	while (nbytes--)
		v = (v << 8) | (b->i < b->n ? b->p[b->i++] : 0);
	return v;
}

/* An existing slot id picked by @sel, or -1 when there are none. */
static int pick_slot(const struct ms_world *w, u64 sel)
{
	if (!w->cur->nr)
		return -1;
	return w->cur->slots[sel % w->cur->nr].id;
}

/* Small id space so that requests collide; sometimes any of 0..0x1ffff. */
static u32 pick_id(struct bytes *b)
{
	u64 x = get(b, 1);

	if (x & 0x80)
		return (x & 1 ? 0x10000 : 0) | (u32)get(b, 2) % 512;
	return x % 24;
}

static u32 pick_flags(struct bytes *b)
{
	u64 x = get(b, 1);

	/* Mostly valid flags; 1 in 16 requests an unsupported bit. */
	return (x & 3) | ((x >> 4) == 0xf ? 1u << (x >> 2 & 3) << 2 : 0);
}

bool ms_world_run_bytes(struct ms_world *w, const u8 *data, size_t size)
{
	struct bytes b = { data, size, 0 };
	struct kvm_userspace_memory_region req;
	const struct svx_memslot *m;
	int id;

	while (b.i < b.n) {
		u64 op = get(&b, 1);

		memset(&req, 0, sizeof(req));
		switch (op % 10) {
		case 0: case 1: case 2:		/* create-ish, page granular */
			req.slot = pick_id(&b);
			req.guest_phys_addr = get(&b, 1) << 14;
			req.memory_size = (get(&b, 1) % 24) << 12;
			req.userspace_addr = get(&b, 1) << 24;
			req.flags = pick_flags(&b);
			break;
		case 3:				/* delete an existing slot */
			id = pick_slot(w, get(&b, 2));
			req.slot = id < 0 ? pick_id(&b) : (u32)id;
			break;
		case 4:				/* move an existing slot */
		case 5:				/* change its flags */
			id = pick_slot(w, get(&b, 2));
			if (id < 0)
				continue;
			m = svx_memslot_by_id(w->cur, id);
			req.slot = id;
			req.guest_phys_addr = m->base_gfn << 12;
			if (op % 10 == 4)
				req.guest_phys_addr =
					(get(&b, 1) << 14) + (get(&b, 1) % 4 << 12);
			req.memory_size = m->npages << 12;
			req.userspace_addr = m->userspace_addr;
			req.flags = op % 10 == 5 ? pick_flags(&b) : m->flags;
			break;
		case 6:				/* anything goes */
			req.slot = get(&b, 4);
			req.flags = get(&b, 4);
			req.guest_phys_addr = get(&b, 8);
			req.memory_size = get(&b, 8);
			req.userspace_addr = get(&b, 8);
			/* Keep some raw requests aligned to get past -EINVAL. */
			if (req.flags & 0x100) {
				req.slot &= 0x1ff;
				req.flags &= 3;
				req.guest_phys_addr &= ~0xfffULL;
				req.memory_size &= ~0xfffULL;
				req.userspace_addr &= ~0xfffULL;
			}
			break;
		case 7:				/* find near a slot boundary */
			id = pick_slot(w, get(&b, 2));
			if (id < 0)
				continue;
			m = svx_memslot_by_id(w->cur, id);
			switch (get(&b, 1) % 5) {
			case 0: op = m->base_gfn - 1; break;
			case 1: op = m->base_gfn; break;
			case 2: op = m->base_gfn + m->npages - 1; break;
			case 3: op = m->base_gfn + m->npages; break;
			default: op = m->base_gfn + get(&b, 4) % m->npages;
			}
			if (!ms_world_find(w, op))
				return false;
			continue;
		case 8:				/* find, small gfn */
			if (!ms_world_find(w, get(&b, 2) % 0x1100))
				return false;
			continue;
		default:			/* find, any gfn */
			if (!ms_world_find(w, get(&b, 8)))
				return false;
			continue;
		}
		if (!ms_world_set(w, &req))
			return false;
	}
	return true;
}
