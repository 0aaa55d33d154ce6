/* SPDX-License-Identifier: MIT */
/*
 * The media device (DEVICE_INFO, G_TOPOLOGY, ENUM_ENTITIES/ENUM_LINKS, REQUEST_ALLOC) and the
 * request objects (MEDIA_REQUEST_IOC_QUEUE / REINIT, poll), as media-device.c and
 * media-request.c behave.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <linux/version.h>

#include "emu.h"

#define EMU_KERNEL_VERSION ((6 << 16) | (1 << 8))

/* Graph object ids as media_gobj_create() numbers them for v4l2_m2m_register_media_controller():
 * source entity, its pad, proc entity, its two pads, sink entity, its pad, the two data links
 * (each followed by its backlink), the interface, the two interface links. */
#define ID_ENT(n)  (n)
#define ID_PAD(n)  ((1u << 24) | (n))
#define ID_LINK(n) ((2u << 24) | (n))
#define ID_INTF(n) ((3u << 24) | (n))

enum { ENT_SOURCE, ENT_PROC, ENT_SINK, NUM_ENT };

static const uint32_t ent_id[NUM_ENT] = {ID_ENT(1), ID_ENT(3), ID_ENT(6)};
static const uint32_t pad_ids[4] = {ID_PAD(2), ID_PAD(4), ID_PAD(5), ID_PAD(7)};
static const uint32_t pad_ent[4] = {ENT_SOURCE, ENT_PROC, ENT_PROC, ENT_SINK};
static const uint32_t pad_idx[4] = {0, 0, 1, 0};
static const uint32_t pad_flags[4] = {MEDIA_PAD_FL_SOURCE, MEDIA_PAD_FL_SINK, MEDIA_PAD_FL_SOURCE,
				      MEDIA_PAD_FL_SINK};
#define INTF_ID ID_INTF(12)

static void ent_name(const struct emu_device *dev, int e, char *buf, size_t len)
{
	static const char *const suffix[NUM_ENT] = {"source", "proc", "sink"};

	snprintf(buf, len, "%s-%s", dev->prof->driver, suffix[e]);
}

static uint32_t ent_function(int e)
{
	return e == ENT_PROC ? MEDIA_ENT_F_PROC_VIDEO_DECODER : MEDIA_ENT_F_IO_V4L;
}

static int device_info(const struct emu_device *dev, struct media_device_info *di)
{
	memset(di, 0, sizeof(*di));
	snprintf(di->driver, sizeof(di->driver), "%s", dev->prof->driver);
	snprintf(di->model, sizeof(di->model), "%s", dev->prof->driver);
	snprintf(di->bus_info, sizeof(di->bus_info), "platform:%s", dev->prof->driver);
	di->media_version = EMU_KERNEL_VERSION;
	di->driver_version = EMU_KERNEL_VERSION;
	di->hw_revision = 0;
	return 0;
}

static int g_topology(const struct emu_device *dev, struct media_v2_topology *t)
{
	void *uents = (void *)(uintptr_t)t->ptr_entities;
	void *uintfs = (void *)(uintptr_t)t->ptr_interfaces;
	void *upads = (void *)(uintptr_t)t->ptr_pads;
	void *ulinks = (void *)(uintptr_t)t->ptr_links;
	struct media_v2_entity ents[NUM_ENT];
	struct media_v2_interface intf;
	struct media_v2_pad pads[4];
	struct media_v2_link links[4];
	const uint32_t fl = MEDIA_LNK_FL_ENABLED | MEDIA_LNK_FL_IMMUTABLE;
	int ret = 0;

	memset(ents, 0, sizeof(ents));
	for (int e = 0; e < NUM_ENT; e++) {
		ents[e].id = ent_id[e];
		ent_name(dev, e, ents[e].name, sizeof(ents[e].name));
		ents[e].function = ent_function(e);
	}
	memset(&intf, 0, sizeof(intf));
	intf.id = INTF_ID;
	intf.intf_type = MEDIA_INTF_T_V4L_VIDEO;
	intf.devnode.major = EMU_VIDEO_MAJOR;
	intf.devnode.minor = (uint32_t)dev->num;
	memset(pads, 0, sizeof(pads));
	for (int p = 0; p < 4; p++) {
		pads[p].id = pad_ids[p];
		pads[p].entity_id = ent_id[pad_ent[p]];
		pads[p].flags = pad_flags[p];
		pads[p].index = pad_idx[p];
	}
	memset(links, 0, sizeof(links));
	links[0].id = ID_LINK(8);
	links[0].source_id = pad_ids[0];
	links[0].sink_id = pad_ids[1];
	links[0].flags = fl | MEDIA_LNK_FL_DATA_LINK;
	links[1].id = ID_LINK(10);
	links[1].source_id = pad_ids[2];
	links[1].sink_id = pad_ids[3];
	links[1].flags = fl | MEDIA_LNK_FL_DATA_LINK;
	links[2].id = ID_LINK(13);
	links[2].source_id = INTF_ID;
	links[2].sink_id = ent_id[ENT_SOURCE];
	links[2].flags = fl | MEDIA_LNK_FL_INTERFACE_LINK;
	links[3].id = ID_LINK(14);
	links[3].source_id = INTF_ID;
	links[3].sink_id = ent_id[ENT_SINK];
	links[3].flags = fl | MEDIA_LNK_FL_INTERFACE_LINK;

	/* As media_device_get_topology(): counts always, arrays when given (ENOSPC when too
	 * small, EFAULT when not writable). */
	t->topology_version = 14;
	if (uents && !ret)
		ret = t->num_entities < NUM_ENT ? -ENOSPC
						: emu_copy_to_user(uents, ents, sizeof(ents));
	t->num_entities = NUM_ENT;
	if (uintfs && !ret)
		ret =
		    t->num_interfaces < 1 ? -ENOSPC : emu_copy_to_user(uintfs, &intf, sizeof(intf));
	t->num_interfaces = 1;
	if (upads && !ret)
		ret = t->num_pads < 4 ? -ENOSPC : emu_copy_to_user(upads, pads, sizeof(pads));
	t->num_pads = 4;
	if (ulinks && !ret)
		ret = t->num_links < 4 ? -ENOSPC : emu_copy_to_user(ulinks, links, sizeof(links));
	t->num_links = 4;
	t->reserved1 = t->reserved2 = t->reserved3 = t->reserved4 = 0;
	return ret;
}

static int ent_index(uint32_t id)
{
	for (int e = 0; e < NUM_ENT; e++)
		if (ent_id[e] == id)
			return e;
	return -1;
}

static int enum_entities(const struct emu_device *dev, struct media_entity_desc *d)
{
	uint32_t id = d->id & ~MEDIA_ENT_ID_FLAG_NEXT;
	int e = -1;

	if (d->id & MEDIA_ENT_ID_FLAG_NEXT) {
		for (int i = 0; i < NUM_ENT && e < 0; i++)
			if (ent_id[i] > id)
				e = i;
	} else {
		e = ent_index(id);
	}
	if (e < 0)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->id = ent_id[e];
	ent_name(dev, e, d->name, sizeof(d->name));
	d->type = ent_function(e);
	d->pads = e == ENT_PROC ? 2 : 1;
	d->links = e == ENT_SINK ? 0 : 1;
	if (e != ENT_PROC) {
		d->dev.major = EMU_VIDEO_MAJOR;
		d->dev.minor = (uint32_t)dev->num;
	}
	return 0;
}

static int enum_links(struct media_links_enum *l)
{
	int e = ent_index(l->entity), ret = 0, n = 0;
	struct media_pad_desc pads[2];
	struct media_link_desc link;

	if (e < 0)
		return -EINVAL;
	memset(l->reserved, 0, sizeof(l->reserved));
	memset(pads, 0, sizeof(pads));
	for (int p = 0; p < 4; p++) {
		if (pad_ent[p] != (uint32_t)e)
			continue;
		pads[n].entity = ent_id[e];
		pads[n].index = (uint16_t)pad_idx[p];
		pads[n].flags = pad_flags[p];
		n++;
	}
	if (l->pads)
		ret = emu_copy_to_user(l->pads, pads, (size_t)n * sizeof(pads[0]));
	/* Only the links whose source is this entity (media_device_enum_links()). */
	if (!ret && l->links && e != ENT_SINK) {
		memset(&link, 0, sizeof(link));
		link.source.entity = ent_id[e];
		link.source.index = e == ENT_PROC ? 1 : 0;
		link.source.flags = MEDIA_PAD_FL_SOURCE;
		link.sink.entity = ent_id[e + 1];
		link.sink.index = 0;
		link.sink.flags = MEDIA_PAD_FL_SINK;
		link.flags = MEDIA_LNK_FL_ENABLED | MEDIA_LNK_FL_IMMUTABLE;
		ret = emu_copy_to_user(l->links, &link, sizeof(link));
	}
	return ret;
}

static int request_alloc(struct emu_device *dev, int *out)
{
	struct emu_request *r = calloc(1, sizeof(*r));
	struct emu_file *f = calloc(1, sizeof(*f));
	int fd;

	if (!r || !f || !(r->vals = malloc(dev->vals_size))) {
		if (r)
			free(r->vals);
		free(r);
		free(f);
		return -ENOMEM;
	}
	memcpy(r->vals, dev->defaults, dev->vals_size);
	r->dev = dev;
	r->refs = 1;
	r->next = dev->reqs;
	dev->reqs = r;
	r->file = f;
	f->type = EMU_FILE_REQUEST;
	f->dev = dev;
	f->req = r;
	fd = emu_file_open(f, true, false);
	if (fd < 0) {
		int e = errno;

		free(r->vals);
		free(r);
		free(f);
		return -e;
	}
	*out = fd;
	return 0;
}

int emu_media_ioctl(struct emu_file *f, unsigned long cmd, void *arg)
{
	switch (cmd) {
	case MEDIA_IOC_DEVICE_INFO:
	case MEDIA_IOC_G_TOPOLOGY:
	case MEDIA_IOC_ENUM_ENTITIES:
	case MEDIA_IOC_ENUM_LINKS:
	case MEDIA_IOC_SETUP_LINK:
	case MEDIA_IOC_REQUEST_ALLOC:
		if (!arg)
			return -EFAULT;
		break;
	default:
		return -ENOTTY;
	}
	switch (cmd) {
	case MEDIA_IOC_DEVICE_INFO:
		return device_info(f->dev, arg);
	case MEDIA_IOC_G_TOPOLOGY:
		return g_topology(f->dev, arg);
	case MEDIA_IOC_ENUM_ENTITIES:
		return enum_entities(f->dev, arg);
	case MEDIA_IOC_ENUM_LINKS:
		return enum_links(arg);
	case MEDIA_IOC_SETUP_LINK: {
		/* Every link is immutable: only its own flags can be "set" again. */
		struct media_link_desc *k = arg;
		int src = ent_index(k->source.entity), snk = ent_index(k->sink.entity);

		memset(k->reserved, 0, sizeof(k->reserved));
		if (src < 0 || snk < 0 || src == ENT_SINK || snk != src + 1 ||
		    k->source.index != (src == ENT_PROC ? 1 : 0) || k->sink.index != 0)
			return -EINVAL;
		return k->flags == (MEDIA_LNK_FL_ENABLED | MEDIA_LNK_FL_IMMUTABLE) ? 0 : -EINVAL;
	}
	case MEDIA_IOC_REQUEST_ALLOC:
		return request_alloc(f->dev, arg);
	default:
		return -ENOTTY;
	}
}

/* ---- requests ---- */

struct emu_request *emu_request_get(struct emu_device *dev, int fd, int *err)
{
	struct emu_file *f = emu_fd_file(fd);

	if (!f || f->type != EMU_FILE_REQUEST || f->req->dev != dev) {
		*err = -EINVAL;
		return NULL;
	}
	f->req->refs++;
	return f->req;
}

static void unbind_buf(struct emu_request *r)
{
	for (int i = 0; i < r->nbufs; i++) {
		struct emu_buf *b = r->bufs[i];

		if (b->state == EMU_BUF_IN_REQUEST)
			b->state = EMU_BUF_DEQUEUED;
		b->req = NULL;
		r->bufs[i] = NULL;
	}
	r->nbufs = 0;
}

/* A buffer leaves the request (cancelled by STREAMOFF/REQBUFS or completed). */
void emu_request_unbind_buf(struct emu_request *r, struct emu_buf *b)
{
	int j = 0;

	for (int i = 0; i < r->nbufs; i++)
		if (r->bufs[i] != b)
			r->bufs[j++] = r->bufs[i];
	for (int i = j; i < r->nbufs; i++)
		r->bufs[i] = NULL;
	r->nbufs = j;
	b->req = NULL;
}

void emu_request_put(struct emu_request *r)
{
	struct emu_request **pp;

	if (--r->refs > 0)
		return;
	unbind_buf(r);
	for (pp = &r->dev->reqs; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	free(r->vals);
	free(r);
}

/* The job of a queued request is over (done, failed or cancelled): the request's controls
 * stay readable; controls it did not set read as the instance's values at completion. */
void emu_request_complete(struct emu_request *r)
{
	struct emu_instance *inst = r->inst;
	struct emu_device *dev = r->dev;

	if (r->state != EMU_REQ_QUEUED)
		return;
	if (inst) {
		emu_inflight_change(inst, -1);
		for (int i = 0; i < dev->nctrls; i++)
			if (!r->set[i])
				memcpy(r->vals + dev->ctrls[i].offset,
				       inst->cur + dev->ctrls[i].offset, dev->ctrls[i].size);
	}
	unbind_buf(r);
	r->state = EMU_REQ_COMPLETE;
	emu_file_update(r->file);
	emu_request_put(r); /* the job's reference */
}

/* An instance goes away: requests bound to it keep nothing of it. */
void emu_requests_detach(struct emu_instance *inst)
{
	struct emu_request *r = inst->dev->reqs, *next;

	for (; r; r = next) {
		next = r->next;
		if (r->inst != inst)
			continue;
		unbind_buf(r);
		r->inst = NULL;
		if (r->state == EMU_REQ_QUEUED)
			emu_request_complete(r); /* may free it */
	}
}

void emu_request_reinit(struct emu_request *r)
{
	unbind_buf(r);
	memset(r->set, 0, sizeof(r->set));
	memcpy(r->vals, r->dev->defaults, r->dev->vals_size);
	r->inst = NULL;
	r->state = EMU_REQ_IDLE;
	emu_file_update(r->file);
}

void emu_request_file_closed(struct emu_file *f)
{
	struct emu_request *r = f->req;

	r->file = NULL;
	emu_request_put(r);
}

short emu_request_poll(struct emu_request *r, short events)
{
	if (!(events & POLLPRI))
		return 0;
	switch (r->state) {
	case EMU_REQ_COMPLETE:
		return POLLPRI;
	case EMU_REQ_IDLE:
		return POLLERR;
	default:
		return 0;
	}
}

static int request_queue(struct emu_request *r)
{
	struct emu_device *dev = r->dev;
	struct emu_instance *inst;

	if (r->state != EMU_REQ_IDLE)
		return -EBUSY;
	emu_g.cnt_queue++;
	if (emu_g.fault_queue && emu_g.cnt_queue == emu_g.fault_queue) {
		emu_debug("fault: failing request queue #%llu",
			  (unsigned long long)emu_g.cnt_queue);
		return -EIO;
	}
	if (r->nbufs == 0) {
		emu_debug("%s: request without buffer", dev->prof->name);
		return -ENOENT;
	}
	if (r->nbufs > 1)
		return -EINVAL;
	for (int i = 0; i < dev->nctrls; i++)
		if (dev->ctrls[i].d.required_per_request && !r->set[i]) {
			emu_debug("%s: request without required control %s", dev->prof->name,
				  dev->ctrls[i].d.name);
			return -ENOENT;
		}
	inst = r->inst;
	if (!inst || inst->closing)
		return -EINVAL;
	r->state = EMU_REQ_QUEUED;
	r->refs++; /* held by the job until completion */
	r->bufs[0]->state = EMU_BUF_QUEUED;
	r->bufs[0]->qseq = ++inst->out.qcounter;
	r->bufs[0]->ready_ns = emu_now_ns();
	emu_inflight_change(inst, +1);
	emu_file_update(r->file);
	emu_file_update(inst->file);
	emu_worker_kick(dev);
	return 0;
}

int emu_request_ioctl(struct emu_file *f, unsigned long cmd, void *arg)
{
	struct emu_request *r = f->req;

	switch (cmd) {
	case MEDIA_REQUEST_IOC_QUEUE:
		return request_queue(r);
	case MEDIA_REQUEST_IOC_REINIT:
		if (r->state == EMU_REQ_QUEUED)
			return -EBUSY;
		emu_request_reinit(r);
		return 0;
	default:
		return -ENOTTY;
	}
}
