/* SPDX-License-Identifier: MIT */
#include "object.h"

#include <stdlib.h>

#define SLOT_MASK ((1u << V4L2R_OBJ_SLOT_BITS) - 1)
#define GEN_MASK  ((1u << (24 - V4L2R_OBJ_SLOT_BITS)) - 1)

void v4l2r_table_init(struct v4l2r_table *t, enum v4l2r_obj_type type)
{
	*t = (struct v4l2r_table){.type = type};
}

void v4l2r_table_fini(struct v4l2r_table *t)
{
	free(t->slots);
	free(t->free);
	free(t->gen);
	*t = (struct v4l2r_table){.type = t->type};
}

static uint32_t make_id(const struct v4l2r_table *t, uint32_t slot)
{
	return ((uint32_t)t->type << 24) | ((uint32_t)t->gen[slot] << V4L2R_OBJ_SLOT_BITS) |
	       (slot + 1);
}

uint32_t v4l2r_table_add(struct v4l2r_table *t, void *obj)
{
	uint32_t slot;

	if (t->n_free) {
		slot = t->free[--t->n_free];
	} else {
		if (t->n == t->cap) {
			uint32_t cap = t->cap ? t->cap * 2 : 64;

			if (cap > V4L2R_OBJ_MAX)
				cap = V4L2R_OBJ_MAX;
			if (cap <= t->n)
				return 0;
			void **s = realloc(t->slots, cap * sizeof(*s));
			if (!s)
				return 0;
			t->slots = s;
			uint32_t *f = realloc(t->free, cap * sizeof(*f));
			if (!f)
				return 0;
			t->free = f;
			uint8_t *g = realloc(t->gen, cap * sizeof(*g));
			if (!g)
				return 0;
			t->gen = g;
			t->cap = cap;
		}
		slot = t->n++;
		t->gen[slot] = 0;
	}
	t->slots[slot] = obj;
	return make_id(t, slot);
}

static int slot_of(const struct v4l2r_table *t, uint32_t id, uint32_t *slot)
{
	if ((id >> 24) != (uint32_t)t->type)
		return -1;
	uint32_t s = id & SLOT_MASK;
	if (s == 0 || s > t->n)
		return -1;
	if (((id >> V4L2R_OBJ_SLOT_BITS) & GEN_MASK) != t->gen[s - 1])
		return -1; /* a destroyed object's ID; the slot holds another one now */
	*slot = s - 1;
	return 0;
}

void *v4l2r_table_get(const struct v4l2r_table *t, uint32_t id)
{
	uint32_t slot;

	if (slot_of(t, id, &slot))
		return NULL;
	return t->slots[slot];
}

void v4l2r_table_remove(struct v4l2r_table *t, uint32_t id)
{
	uint32_t slot;

	if (slot_of(t, id, &slot) || !t->slots[slot])
		return;
	t->slots[slot] = NULL;
	t->gen[slot] = (uint8_t)((t->gen[slot] + 1) & GEN_MASK);
	t->free[t->n_free++] = slot;
}

void *v4l2r_table_next(const struct v4l2r_table *t, uint32_t *pos)
{
	while (*pos < t->n) {
		void *o = t->slots[(*pos)++];

		if (o)
			return o;
	}
	return NULL;
}
