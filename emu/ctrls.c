/* SPDX-License-Identifier: MIT */
/*
 * Controls: the device's control set (the codec's descriptions plus the class controls the
 * kernel adds), QUERYCTRL / QUERY_EXT_CTRL / QUERYMENU, G/S_CTRL and G/S/TRY_EXT_CTRLS with
 * CUR_VAL, DEF_VAL and REQUEST_VAL, as v4l2-ctrls-api.c does them. Also the control services
 * of emu_codec.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu.h"

static const struct {
	uint32_t cls;
	const char *name;
} class_names[] = {
    {V4L2_CTRL_CLASS_USER, "User Controls"},
    {V4L2_CTRL_CLASS_CODEC, "Codec Controls"},
    {V4L2_CTRL_CLASS_CODEC_STATELESS, "Stateless Codec Controls"},
};

/* Menu item names as v4l2_ctrl_get_menu() gives them. */
static const char *menu_item(uint32_t id, int64_t index)
{
	static const char *const decode_mode[] = {"Slice-Based", "Frame-Based"};
	static const char *const start_code[] = {"No Start Code", "Annex B Start Code"};

	switch (id) {
	case V4L2_CID_STATELESS_H264_DECODE_MODE:
		return index >= 0 && index < 2 ? decode_mode[index] : NULL;
	case V4L2_CID_STATELESS_H264_START_CODE:
		return index >= 0 && index < 2 ? start_code[index] : NULL;
	default:
		return NULL;
	}
}

static bool type_is_compound(uint32_t type)
{
	return type >= V4L2_CTRL_COMPOUND_TYPES;
}

static int cmp_ctrl(const void *a, const void *b)
{
	const struct emu_ctrl *x = a, *y = b;

	return x->d.id < y->d.id ? -1 : x->d.id > y->d.id;
}

int emu_ctrls_init(struct emu_device *dev)
{
	struct emu_ctrl_desc descs[EMU_MAX_CTRLS];
	const struct emu_codec_ops *owner[EMU_MAX_CTRLS];
	int n = 0;
	uint32_t off = 0;

	/* The union of the device's codecs' controls, as hantro registers every codec's controls
	 * at probe (hantro_ctrls_setup). */
	for (int k = 0; k < dev->ncodecs; k++) {
		int m = dev->codecs[k]->get_ctrls(&dev->cfg, descs + n, EMU_MAX_CTRLS - n);

		if (m < 0 || m > EMU_MAX_CTRLS - n)
			return -1;
		for (int i = n; i < n + m; i++)
			owner[i] = dev->codecs[k];
		n += m;
	}
	dev->nctrls = 0;
	for (int i = 0; i < n; i++) {
		struct emu_ctrl *c = &dev->ctrls[dev->nctrls];
		uint32_t cls = V4L2_CTRL_ID2CLASS(descs[i].id);
		bool have = false;

		/* The class control, once per class, as v4l2_ctrl_new() adds it. */
		for (int j = 0; j < dev->nctrls; j++)
			have |= dev->ctrls[j].d.id == (cls | 1);
		for (size_t k = 0; !have && k < sizeof(class_names) / sizeof(class_names[0]); k++) {
			if (class_names[k].cls != cls || dev->nctrls + 1 >= EMU_MAX_CTRLS)
				continue;
			memset(c, 0, sizeof(*c));
			c->d.id = cls | 1;
			c->d.name = class_names[k].name;
			c->d.type = V4L2_CTRL_TYPE_CTRL_CLASS;
			c->d.flags = V4L2_CTRL_FLAG_READ_ONLY | V4L2_CTRL_FLAG_WRITE_ONLY;
			c->elems = 1;
			c->size = 0;
			dev->nctrls++;
			c = &dev->ctrls[dev->nctrls];
		}
		if (dev->nctrls >= EMU_MAX_CTRLS)
			break;
		memset(c, 0, sizeof(*c));
		c->d = descs[i];
		c->codec = owner[i];
		c->compound = type_is_compound(c->d.type);
		c->elems = 1;
		for (uint32_t d = 0; d < c->d.nr_of_dims && d < V4L2_CTRL_MAX_DIMS; d++)
			c->elems *= c->d.dims[d] ? c->d.dims[d] : 1;
		if (c->d.type == V4L2_CTRL_TYPE_INTEGER64)
			c->d.elem_size = 8;
		else if (!c->compound || !c->d.elem_size)
			c->d.elem_size = c->compound ? c->d.elem_size : 4;
		c->size = c->d.elem_size * c->elems;
		if (c->compound)
			c->d.flags |= V4L2_CTRL_FLAG_HAS_PAYLOAD;
		dev->nctrls++;
	}
	qsort(dev->ctrls, (size_t)dev->nctrls, sizeof(dev->ctrls[0]), cmp_ctrl);
	for (int i = 0; i < dev->nctrls; i++) {
		dev->ctrls[i].offset = off;
		off += EMU_ALIGN(dev->ctrls[i].size, 8);
	}
	dev->vals_size = off ? off : 8;
	dev->defaults = calloc(1, dev->vals_size);
	if (!dev->defaults)
		return -1;
	for (int i = 0; i < dev->nctrls; i++) {
		struct emu_ctrl *c = &dev->ctrls[i];

		if (c->compound && c->codec->init_ctrl)
			c->codec->init_ctrl(c->d.id, dev->defaults + c->offset, c->size);
		if (c->compound || c->size == 0)
			continue;
		if (c->size == 8) {
			int64_t v = c->d.default_value;

			memcpy(dev->defaults + c->offset, &v, 8);
		} else {
			int32_t v = (int32_t)c->d.default_value;

			memcpy(dev->defaults + c->offset, &v, 4);
		}
	}
	return 0;
}

int emu_ctrl_index(const struct emu_device *dev, uint32_t id)
{
	for (int i = 0; i < dev->nctrls; i++)
		if (dev->ctrls[i].d.id == id)
			return i;
	return -1;
}

/* ---- codec services ---- */

const void *emu_job_ctrl(const struct emu_job *job, uint32_t id, uint32_t *size)
{
	struct emu_instance *inst = job->inst;
	int i = emu_ctrl_index(inst->dev, id);

	if (i < 0)
		return NULL;
	if (size)
		*size = inst->dev->ctrls[i].size;
	return inst->job_vals + inst->dev->ctrls[i].offset;
}

bool emu_job_ctrl_in_request(const struct emu_job *job, uint32_t id)
{
	int i = emu_ctrl_index(job->inst->dev, id);

	return i >= 0 && job->inst->job_set[i];
}

const void *emu_inst_ctrl(struct emu_instance *inst, uint32_t id, uint32_t *size)
{
	int i = emu_ctrl_index(inst->dev, id);

	if (i < 0)
		return NULL;
	if (size)
		*size = inst->dev->ctrls[i].size;
	return inst->cur + inst->dev->ctrls[i].offset;
}

/* ---- queries ---- */

static const struct emu_ctrl *find_query(const struct emu_device *dev, uint32_t qid)
{
	uint32_t want = qid & (V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND);
	uint32_t id = qid & ~want;

	if (!want) {
		int i = emu_ctrl_index(dev, id);

		return i < 0 ? NULL : &dev->ctrls[i];
	}
	for (int i = 0; i < dev->nctrls; i++) {
		const struct emu_ctrl *c = &dev->ctrls[i];

		if (c->d.id <= id)
			continue;
		if (want == V4L2_CTRL_FLAG_NEXT_CTRL && c->compound)
			continue;
		if (want == V4L2_CTRL_FLAG_NEXT_COMPOUND && !c->compound)
			continue;
		return c;
	}
	return NULL;
}

static int query_ext(const struct emu_device *dev, struct v4l2_query_ext_ctrl *q)
{
	const struct emu_ctrl *c = find_query(dev, q->id);

	if (!c)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->id = c->d.id;
	q->type = c->d.type;
	strncpy(q->name, c->d.name, sizeof(q->name) - 1);
	q->minimum = c->d.minimum;
	q->maximum = c->d.maximum;
	q->step = c->d.step;
	q->default_value = c->d.default_value;
	q->flags = c->d.flags;
	q->elem_size = c->d.elem_size;
	q->elems = c->elems;
	q->nr_of_dims = c->d.nr_of_dims;
	memcpy(q->dims, c->d.dims, sizeof(q->dims));
	return 0;
}

static int query_ctrl(const struct emu_device *dev, struct v4l2_queryctrl *q)
{
	struct v4l2_query_ext_ctrl qe = {.id = q->id};
	int ret;

	/* The old API does not enumerate compound controls. */
	if (qe.id & V4L2_CTRL_FLAG_NEXT_CTRL)
		qe.id &= ~V4L2_CTRL_FLAG_NEXT_COMPOUND;
	ret = query_ext(dev, &qe);
	if (ret)
		return ret;
	memset(q, 0, sizeof(*q));
	q->id = qe.id;
	q->type = qe.type;
	memcpy(q->name, qe.name, sizeof(q->name));
	switch (qe.type) {
	case V4L2_CTRL_TYPE_INTEGER:
	case V4L2_CTRL_TYPE_BOOLEAN:
	case V4L2_CTRL_TYPE_MENU:
	case V4L2_CTRL_TYPE_INTEGER_MENU:
	case V4L2_CTRL_TYPE_STRING:
	case V4L2_CTRL_TYPE_BITMASK:
		q->minimum = (int32_t)qe.minimum;
		q->maximum = (int32_t)qe.maximum;
		q->step = (int32_t)qe.step;
		q->default_value = (int32_t)qe.default_value;
		break;
	default:
		break;
	}
	q->flags = qe.flags;
	return 0;
}

static int query_menu(const struct emu_device *dev, struct v4l2_querymenu *m)
{
	int i = emu_ctrl_index(dev, m->id);
	const struct emu_ctrl *c;
	const char *name;
	uint32_t id = m->id, index = m->index;

	if (i < 0)
		return -EINVAL;
	c = &dev->ctrls[i];
	if (c->d.type != V4L2_CTRL_TYPE_MENU)
		return -EINVAL;
	if ((int64_t)index < c->d.minimum || (int64_t)index > c->d.maximum)
		return -EINVAL;
	if (index < 64 && (c->d.menu_skip_mask & (1ULL << index)))
		return -EINVAL;
	name = menu_item(c->d.id, index);
	if (!name)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->id = id;
	m->index = index;
	strncpy((char *)m->name, name, sizeof(m->name) - 1);
	return 0;
}

/* Validate (and adjust, as std_validate does) a simple control value. */
static int validate_simple(const struct emu_ctrl *c, int64_t *v)
{
	switch (c->d.type) {
	case V4L2_CTRL_TYPE_MENU:
	case V4L2_CTRL_TYPE_INTEGER_MENU:
		if (*v < c->d.minimum || *v > c->d.maximum)
			return -ERANGE;
		if (*v >= 0 && *v < 64 && (c->d.menu_skip_mask & (1ULL << *v)))
			return -EINVAL;
		return 0;
	case V4L2_CTRL_TYPE_BOOLEAN:
		*v = !!*v;
		return 0;
	case V4L2_CTRL_TYPE_INTEGER:
	case V4L2_CTRL_TYPE_INTEGER64:
		if (*v < c->d.minimum)
			*v = c->d.minimum;
		if (*v > c->d.maximum)
			*v = c->d.maximum;
		if (c->d.step > 1) {
			int64_t k =
			    (*v - c->d.minimum + (int64_t)c->d.step / 2) / (int64_t)c->d.step;

			*v = c->d.minimum + k * (int64_t)c->d.step;
			if (*v > c->d.maximum)
				*v -= (int64_t)c->d.step;
		}
		return 0;
	case V4L2_CTRL_TYPE_BUTTON:
	case V4L2_CTRL_TYPE_CTRL_CLASS:
		*v = 0;
		return 0;
	default:
		return 0;
	}
}

static int64_t load_simple(const struct emu_ctrl *c, const uint8_t *blob)
{
	if (c->size == 8) {
		int64_t v;

		memcpy(&v, blob + c->offset, 8);
		return v;
	}
	if (c->size == 4) {
		int32_t v;

		memcpy(&v, blob + c->offset, 4);
		return v;
	}
	return 0;
}

static void store_simple(const struct emu_ctrl *c, uint8_t *blob, int64_t v)
{
	if (c->size == 8) {
		memcpy(blob + c->offset, &v, 8);
	} else if (c->size == 4) {
		int32_t x = (int32_t)v;

		memcpy(blob + c->offset, &x, 4);
	}
}

static int g_ctrl(struct emu_instance *inst, struct v4l2_control *ctl)
{
	int i = emu_ctrl_index(inst->dev, ctl->id);
	const struct emu_ctrl *c;

	if (i < 0)
		return -EINVAL;
	c = &inst->dev->ctrls[i];
	if (c->compound || c->d.type == V4L2_CTRL_TYPE_CTRL_CLASS ||
	    c->d.type == V4L2_CTRL_TYPE_INTEGER64)
		return -EINVAL;
	if (c->d.flags & V4L2_CTRL_FLAG_WRITE_ONLY)
		return -EACCES;
	ctl->value = (int32_t)load_simple(c, inst->cur);
	return 0;
}

static int s_ctrl(struct emu_instance *inst, struct v4l2_control *ctl)
{
	int i = emu_ctrl_index(inst->dev, ctl->id);
	const struct emu_ctrl *c;
	int64_t v;
	int ret;

	if (i < 0)
		return -EINVAL;
	c = &inst->dev->ctrls[i];
	if (c->compound || c->d.type == V4L2_CTRL_TYPE_CTRL_CLASS ||
	    c->d.type == V4L2_CTRL_TYPE_INTEGER64)
		return -EINVAL;
	if (c->d.flags & V4L2_CTRL_FLAG_READ_ONLY)
		return -EACCES;
	v = ctl->value;
	ret = validate_simple(c, &v);
	if (ret)
		return ret;
	if (load_simple(c, inst->cur) != v) {
		store_simple(c, inst->cur, v);
		emu_ctrl_changed(inst, i);
	}
	ctl->value = (int32_t)v;
	return 0;
}

static int class_check(const struct emu_device *dev, uint32_t which)
{
	if (which == 0 || which == V4L2_CTRL_WHICH_DEF_VAL || which == V4L2_CTRL_WHICH_REQUEST_VAL)
		return 0;
	return emu_ctrl_index(dev, which | 1) >= 0 ? 0 : -EINVAL;
}

/* prepare_ext_ctrls(): find every control, check the class and the payload size. */
static int prepare_ext(struct emu_instance *inst, struct v4l2_ext_controls *cs, int *idx, bool get)
{
	struct emu_device *dev = inst->dev;

	if (cs->count && !cs->controls)
		return -EFAULT;

	for (uint32_t i = 0; i < cs->count; i++) {
		struct v4l2_ext_control *c = &cs->controls[i];
		uint32_t id = c->id & V4L2_CTRL_ID_MASK;
		const struct emu_ctrl *ctrl;

		cs->error_idx = i;
		if (cs->which && cs->which != V4L2_CTRL_WHICH_DEF_VAL &&
		    cs->which != V4L2_CTRL_WHICH_REQUEST_VAL && V4L2_CTRL_ID2WHICH(id) != cs->which)
			return -EINVAL;
		if (id >= V4L2_CID_PRIVATE_BASE)
			return -EINVAL;
		idx[i] = emu_ctrl_index(dev, id);
		if (idx[i] < 0)
			return -EINVAL;
		ctrl = &dev->ctrls[idx[i]];
		if (ctrl->d.flags & V4L2_CTRL_FLAG_DISABLED)
			return -EINVAL;
		if (ctrl->compound) {
			if (c->size < ctrl->size) {
				if (get) {
					c->size = ctrl->size;
					return -ENOSPC;
				}
				return -EFAULT;
			}
			c->size = ctrl->size;
			if (!c->ptr)
				return -EFAULT;
		}
	}
	return 0;
}

static int g_ext_ctrls(struct emu_instance *inst, struct v4l2_ext_controls *cs)
{
	struct emu_device *dev = inst->dev;
	struct emu_request *req = NULL;
	const uint8_t *src = inst->cur;
	int idx[V4L2_CID_MAX_CTRLS > 1024 ? 1024 : V4L2_CID_MAX_CTRLS];
	int ret = 0;

	cs->error_idx = cs->count; /* v4l_g_ext_ctrls() */
	if (cs->which == V4L2_CTRL_WHICH_REQUEST_VAL) {
		int err;

		if (cs->request_fd < 0)
			return -EINVAL;
		req = emu_request_get(dev, cs->request_fd, &err);
		if (!req)
			return err;
		if (req->state != EMU_REQ_COMPLETE) {
			emu_request_put(req);
			return -EACCES;
		}
		if (req->inst != inst) {
			emu_request_put(req);
			return -ENOENT;
		}
		src = req->vals;
	} else if (cs->which == V4L2_CTRL_WHICH_DEF_VAL) {
		src = dev->defaults;
	}
	if (cs->count == 0) {
		ret = class_check(dev, cs->which);
		goto out;
	}
	if (cs->count > sizeof(idx) / sizeof(idx[0])) {
		ret = -ENOMEM;
		goto out;
	}
	/* v4l2_g_ext_ctrls_common(): error_idx is count whatever failed */
	ret = prepare_ext(inst, cs, idx, true);
	cs->error_idx = cs->count;
	if (ret)
		goto out;
	for (uint32_t i = 0; i < cs->count; i++) {
		if (dev->ctrls[idx[i]].d.flags & V4L2_CTRL_FLAG_WRITE_ONLY) {
			ret = -EACCES;
			goto out;
		}
	}
	for (uint32_t i = 0; i < cs->count; i++) {
		const struct emu_ctrl *c = &dev->ctrls[idx[i]];
		struct v4l2_ext_control *x = &cs->controls[i];

		if (c->compound) {
			ret = emu_copy_to_user(x->ptr, src + c->offset, c->size);
			if (ret)
				goto out;
		} else if (c->d.type == V4L2_CTRL_TYPE_INTEGER64)
			x->value64 = load_simple(c, src);
		else
			x->value = (int32_t)load_simple(c, src);
	}
out:
	if (req)
		emu_request_put(req);
	return ret;
}

static int s_ext_ctrls(struct emu_instance *inst, struct v4l2_ext_controls *cs, bool set)
{
	struct emu_device *dev = inst->dev;
	struct emu_request *req = NULL;
	int idx[1024];
	uint8_t *tmp = NULL;
	int ret = 0;

	cs->error_idx = cs->count;
	if (cs->which == V4L2_CTRL_WHICH_REQUEST_VAL) {
		int err;

		if (cs->request_fd < 0)
			return -EINVAL;
		req = emu_request_get(dev, cs->request_fd, &err);
		if (!req)
			return err;
		if (req->state != EMU_REQ_IDLE) {
			emu_request_put(req);
			return -EBUSY;
		}
		if (req->inst && req->inst != inst) {
			emu_request_put(req);
			return -EINVAL;
		}
	}
	cs->error_idx = cs->count;
	if (cs->which == V4L2_CTRL_WHICH_DEF_VAL) {
		ret = -EINVAL;
		goto out;
	}
	if (cs->count == 0) {
		ret = class_check(dev, cs->which);
		goto out;
	}
	if (cs->count > sizeof(idx) / sizeof(idx[0])) {
		ret = -ENOMEM;
		goto out;
	}
	ret = prepare_ext(inst, cs, idx, false);
	if (ret)
		goto fail;
	/* validate_ctrls(): into a scratch blob so that nothing changes on failure */
	tmp = malloc(dev->vals_size);
	if (!tmp) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(tmp, req ? req->vals : inst->cur, dev->vals_size);
	for (uint32_t i = 0; i < cs->count; i++) {
		const struct emu_ctrl *c = &dev->ctrls[idx[i]];
		struct v4l2_ext_control *x = &cs->controls[i];

		cs->error_idx = i;
		if (c->d.flags & V4L2_CTRL_FLAG_READ_ONLY) {
			ret = -EACCES;
			goto fail;
		}
		if (c->compound) {
			ret = emu_copy_from_user(tmp + c->offset, x->ptr, c->size);
			if (ret)
				goto fail;
			if (c->codec->try_ctrl &&
			    c->codec->try_ctrl(&dev->cfg, c->d.id, tmp + c->offset, c->size)) {
				ret = -EINVAL;
				goto fail;
			}
		} else {
			int64_t v = c->d.type == V4L2_CTRL_TYPE_INTEGER64 ? x->value64 : x->value;

			ret = validate_simple(c, &v);
			if (ret)
				goto fail;
			store_simple(c, tmp, v);
			if (c->d.type == V4L2_CTRL_TYPE_INTEGER64)
				x->value64 = v;
			else
				x->value = (int32_t)v;
		}
	}
	cs->error_idx = cs->count;
	if (set) {
		uint8_t *dst = req ? req->vals : inst->cur;

		for (uint32_t i = 0; !req && i < cs->count; i++) {
			const struct emu_ctrl *c = &dev->ctrls[idx[i]];

			if (memcmp(dst + c->offset, tmp + c->offset, c->size)) {
				memcpy(dst + c->offset, tmp + c->offset, c->size);
				emu_ctrl_changed(inst, idx[i]);
			}
		}
		memcpy(dst, tmp, dev->vals_size);
		if (!req)
			emu_video_header_changed(inst);
		if (req) {
			for (uint32_t i = 0; i < cs->count; i++)
				req->set[idx[i]] = true;
			req->inst = inst;
		}
	}
	goto out;
fail:
	if (set)
		cs->error_idx = cs->count;
out:
	free(tmp);
	if (req)
		emu_request_put(req);
	return ret;
}

int emu_ctrl_ioctl(struct emu_instance *inst, int fd, unsigned long cmd, void *arg)
{
	if (!arg)
		return -EFAULT;
	switch (cmd) {
	case VIDIOC_QUERYCTRL:
		return query_ctrl(inst->dev, arg);
	case VIDIOC_QUERY_EXT_CTRL:
		return query_ext(inst->dev, arg);
	case VIDIOC_QUERYMENU:
		return query_menu(inst->dev, arg);
	case VIDIOC_G_CTRL:
		return g_ctrl(inst, arg);
	case VIDIOC_S_CTRL:
		return s_ctrl(inst, arg);
	case VIDIOC_G_EXT_CTRLS:
		return g_ext_ctrls(inst, arg);
	case VIDIOC_S_EXT_CTRLS:
		return s_ext_ctrls(inst, arg, true);
	case VIDIOC_TRY_EXT_CTRLS:
		return s_ext_ctrls(inst, arg, false);
	default:
		return -ENOTTY;
	}
}

/* ---- control events (v4l2_ctrl_subscribe_event, v4l2-event.c) ---- */

static void fill_event(struct emu_instance *inst, const struct emu_ctrl *c, uint32_t changes,
		       struct v4l2_event *ev)
{
	struct timespec ts;

	memset(ev, 0, sizeof(*ev));
	ev->type = V4L2_EVENT_CTRL;
	ev->id = c->d.id;
	ev->u.ctrl.changes = changes;
	ev->u.ctrl.type = c->d.type;
	ev->u.ctrl.flags = c->d.flags;
	if (c->compound)
		ev->u.ctrl.value64 = 0;
	else if (c->d.type == V4L2_CTRL_TYPE_INTEGER64)
		ev->u.ctrl.value64 = load_simple(c, inst->cur);
	else
		ev->u.ctrl.value = (int32_t)load_simple(c, inst->cur);
	ev->u.ctrl.minimum = (int32_t)c->d.minimum;
	ev->u.ctrl.maximum = (int32_t)c->d.maximum;
	ev->u.ctrl.step = (int32_t)c->d.step;
	ev->u.ctrl.default_value = (int32_t)c->d.default_value;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ev->timestamp = ts;
}

static void queue_event(struct emu_instance *inst, const struct v4l2_event *ev)
{
	/* A full queue drops the oldest event, as v4l2-event.c does. */
	if (inst->nev == (int)(sizeof(inst->evq) / sizeof(inst->evq[0]))) {
		memmove(&inst->evq[0], &inst->evq[1],
			sizeof(inst->evq[0]) * (size_t)(inst->nev - 1));
		inst->nev--;
	}
	inst->evq[inst->nev] = *ev;
	inst->evq[inst->nev].sequence = inst->ev_seq++;
	inst->nev++;
	emu_file_update(inst->file);
}

/* The instance itself changed a control: only subscriptions with ALLOW_FEEDBACK hear of it. */
void emu_ctrl_changed(struct emu_instance *inst, int idx)
{
	const struct emu_ctrl *c = &inst->dev->ctrls[idx];

	for (int i = 0; i < inst->nsubs; i++) {
		struct v4l2_event ev;

		if (inst->subs[i].id != c->d.id ||
		    !(inst->subs[i].flags & V4L2_EVENT_SUB_FL_ALLOW_FEEDBACK))
			continue;
		fill_event(inst, c, V4L2_EVENT_CTRL_CH_VALUE, &ev);
		queue_event(inst, &ev);
	}
}

int emu_event_ioctl(struct emu_instance *inst, unsigned long cmd, void *arg)
{
	struct v4l2_event_subscription *sub = arg;
	int i, idx;

	switch (cmd) {
	case VIDIOC_SUBSCRIBE_EVENT:
		if (sub->type != V4L2_EVENT_CTRL)
			return -EINVAL;
		idx = emu_ctrl_index(inst->dev, sub->id);
		if (idx < 0)
			return -EINVAL;
		for (i = 0; i < inst->nsubs; i++)
			if (inst->subs[i].type == sub->type && inst->subs[i].id == sub->id)
				break;
		if (i == inst->nsubs) {
			if (inst->nsubs >= EMU_MAX_CTRLS)
				return -ENOMEM;
			inst->nsubs++;
		}
		inst->subs[i] = *sub;
		/* v4l2_ctrl_add_event(): no initial event for write-only (class) controls */
		if ((sub->flags & V4L2_EVENT_SUB_FL_SEND_INITIAL) &&
		    !(inst->dev->ctrls[idx].d.flags & V4L2_CTRL_FLAG_WRITE_ONLY)) {
			struct v4l2_event ev;

			fill_event(inst, &inst->dev->ctrls[idx],
				   V4L2_EVENT_CTRL_CH_VALUE | V4L2_EVENT_CTRL_CH_FLAGS, &ev);
			queue_event(inst, &ev);
		}
		return 0;
	case VIDIOC_UNSUBSCRIBE_EVENT:
		for (i = 0; i < inst->nsubs;) {
			if (sub->type == V4L2_EVENT_ALL ||
			    (inst->subs[i].type == sub->type && inst->subs[i].id == sub->id)) {
				inst->subs[i] = inst->subs[--inst->nsubs];
				continue;
			}
			i++;
		}
		if (sub->type == V4L2_EVENT_ALL)
			inst->nev = 0;
		emu_file_update(inst->file);
		return 0;
	case VIDIOC_DQEVENT: {
		struct v4l2_event *ev = arg;

		if (inst->nev == 0)
			return -ENOENT;
		*ev = inst->evq[0];
		inst->nev--;
		memmove(&inst->evq[0], &inst->evq[1], sizeof(inst->evq[0]) * (size_t)inst->nev);
		ev->pending = (uint32_t)inst->nev;
		emu_file_update(inst->file);
		return 0;
	}
	default:
		return -ENOTTY;
	}
}
