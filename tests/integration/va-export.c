/* SPDX-License-Identifier: MIT */
/*
 * A zero-copy consumer, as a compositor or a browser's GPU process would be: decodes a stream with
 * libavcodec's VA-API hwaccel, exports every decoded surface with vaExportSurfaceHandle (DRM PRIME
 * 2), maps the dma-buf objects and reads the pixels as the descriptor (fourcc, offsets, pitches,
 * DRM modifier) says. Writes raw yuv420p frames, cropped, in output order.
 *
 *   va-export [--composed] IN OUT
 *
 * The modifier is interpreted here independently of the driver: a layout the driver describes
 * wrongly gives wrong pixels.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_vaapi.h>
#include <va/va.h>
#include <va/va_drmcommon.h>

static enum AVPixelFormat pick_vaapi(AVCodecContext *avctx, const enum AVPixelFormat *fmts)
{
	for (; *fmts != AV_PIX_FMT_NONE; fmts++)
		if (*fmts == AV_PIX_FMT_VAAPI)
			return *fmts;
	fprintf(stderr, "va-export: VA-API hwaccel not offered\n");
	return AV_PIX_FMT_NONE;
}

/* Byte offset of pixel (x, y) of a plane in the layout a DRM modifier names. */
static int plane_offset(uint64_t modifier, uint32_t pitch, uint32_t x, uint32_t y, size_t *off)
{
	switch (modifier) {
	case DRM_FORMAT_MOD_LINEAR:
		*off = (size_t)y * pitch + x;
		return 0;
	case DRM_FORMAT_MOD_ALLWINNER_TILED:
		/* 32x32-byte tiles, row-major; rows of 32 bytes inside a tile. */
		*off = (size_t)(y / 32) * pitch * 32 + (size_t)(x / 32) * 1024 + (y % 32) * 32 +
		       (x % 32);
		return 0;
	default:
		return -1;
	}
}

struct plane_ref {
	const uint8_t *base;
	size_t size;
	uint32_t pitch;
	uint64_t modifier;
};

static int read_px(const struct plane_ref *p, uint32_t x, uint32_t y, uint8_t *v)
{
	size_t off;
	if (plane_offset(p->modifier, p->pitch, x, y, &off) || off >= p->size)
		return -1;
	*v = p->base[off];
	return 0;
}

static int write_surface(VADisplay dpy, VASurfaceID surf, int width, int height, int composed,
			 FILE *out)
{
	VADRMPRIMESurfaceDescriptor d;
	uint32_t flags = VA_EXPORT_SURFACE_READ_ONLY |
			 (composed ? VA_EXPORT_SURFACE_COMPOSED_LAYERS
				   : VA_EXPORT_SURFACE_SEPARATE_LAYERS);
	void *maps[4] = {0};
	struct plane_ref y = {0}, uv = {0};
	uint8_t *row = NULL;
	int ret = -1;

	VAStatus st = vaSyncSurface(dpy, surf);
	if (st != VA_STATUS_SUCCESS) {
		fprintf(stderr, "va-export: vaSyncSurface: %s\n", vaErrorStr(st));
		return -1;
	}
	memset(&d, 0, sizeof(d));
	st = vaExportSurfaceHandle(dpy, surf, VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2, flags, &d);
	if (st != VA_STATUS_SUCCESS) {
		fprintf(stderr, "va-export: vaExportSurfaceHandle: %s\n", vaErrorStr(st));
		return -1;
	}
	if (d.num_objects < 1 || d.num_objects > 4 || d.fourcc != VA_FOURCC_NV12) {
		fprintf(stderr, "va-export: unexpected descriptor (objects %u fourcc %08x)\n",
			d.num_objects, d.fourcc);
		goto out;
	}
	for (uint32_t i = 0; i < d.num_objects; i++) {
		maps[i] = mmap(NULL, d.objects[i].size, PROT_READ, MAP_SHARED, d.objects[i].fd, 0);
		if (maps[i] == MAP_FAILED) {
			maps[i] = NULL;
			fprintf(stderr, "va-export: mmap: %s\n", strerror(errno));
			goto out;
		}
	}
	/* Separate layers: R8 + GR88; composed: one NV12 layer with two planes. */
	uint32_t planes_seen = 0;
	for (uint32_t l = 0; l < d.num_layers; l++) {
		for (uint32_t p = 0; p < d.layers[l].num_planes; p++) {
			uint32_t obj = d.layers[l].object_index[p];
			if (obj >= d.num_objects || d.layers[l].offset[p] >= d.objects[obj].size)
				goto out;
			struct plane_ref *r = planes_seen == 0 ? &y : &uv;
			if (planes_seen >= 2)
				goto out;
			r->base = (const uint8_t *)maps[obj] + d.layers[l].offset[p];
			r->size = d.objects[obj].size - d.layers[l].offset[p];
			r->pitch = d.layers[l].pitch[p];
			r->modifier = d.objects[obj].drm_format_modifier;
			planes_seen++;
		}
	}
	if (planes_seen != 2 || (uint32_t)width > d.width || (uint32_t)height > d.height) {
		fprintf(stderr, "va-export: %u planes, %ux%u for a %dx%d frame\n", planes_seen,
			d.width, d.height, width, height);
		goto out;
	}
	row = malloc((size_t)width);
	if (!row)
		goto out;
	for (int j = 0; j < height; j++) {
		for (int i = 0; i < width; i++)
			if (read_px(&y, i, j, &row[i]))
				goto bad_layout;
		fwrite(row, 1, width, out);
	}
	for (int c = 0; c < 2; c++)
		for (int j = 0; j < (height + 1) / 2; j++) {
			for (int i = 0; i < (width + 1) / 2; i++)
				if (read_px(&uv, 2 * i + c, j, &row[i]))
					goto bad_layout;
			fwrite(row, 1, (width + 1) / 2, out);
		}
	ret = 0;
	goto out;
bad_layout:
	fprintf(stderr, "va-export: modifier %#llx unknown or plane too small\n",
		(unsigned long long)y.modifier);
out:
	free(row);
	for (uint32_t i = 0; i < d.num_objects && i < 4; i++) {
		if (maps[i])
			munmap(maps[i], d.objects[i].size);
		close(d.objects[i].fd);
	}
	return ret;
}

int main(int argc, char **argv)
{
	int composed = 0, argi = 1;
	if (argc > 1 && !strcmp(argv[1], "--composed")) {
		composed = 1;
		argi++;
	}
	if (argc - argi != 2) {
		fprintf(stderr, "usage: va-export [--composed] IN OUT\n");
		return 2;
	}
	const char *in = argv[argi], *outname = argv[argi + 1];
	AVFormatContext *fmt = NULL;
	AVCodecContext *avctx = NULL;
	AVBufferRef *dev = NULL;
	AVPacket *pkt = av_packet_alloc();
	AVFrame *frame = av_frame_alloc();
	FILE *out = fopen(outname, "wb");
	int ret = 1, stream, err;

	av_log_set_level(AV_LOG_ERROR);
	if (!pkt || !frame || !out)
		goto done;
	if (avformat_open_input(&fmt, in, NULL, NULL) < 0 || avformat_find_stream_info(fmt, NULL) < 0)
		goto done;
	stream = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
	if (stream < 0)
		goto done;
	const AVCodec *codec = avcodec_find_decoder(fmt->streams[stream]->codecpar->codec_id);
	avctx = avcodec_alloc_context3(codec);
	if (!avctx || avcodec_parameters_to_context(avctx, fmt->streams[stream]->codecpar) < 0)
		goto done;
	err = av_hwdevice_ctx_create(&dev, AV_HWDEVICE_TYPE_VAAPI, getenv("DISPLAY"), NULL, 0);
	if (err < 0) {
		fprintf(stderr, "va-export: no VA-API device: %s\n", av_err2str(err));
		goto done;
	}
	VADisplay dpy = ((AVVAAPIDeviceContext *)((AVHWDeviceContext *)dev->data)->hwctx)->display;
	avctx->hw_device_ctx = av_buffer_ref(dev);
	avctx->get_format = pick_vaapi;
	avctx->hwaccel_flags |= AV_HWACCEL_FLAG_ALLOW_PROFILE_MISMATCH;
	if (avcodec_open2(avctx, codec, NULL) < 0)
		goto done;

	int eof = 0;
	while (!eof) {
		err = av_read_frame(fmt, pkt);
		if (err < 0) {
			eof = 1;
			err = avcodec_send_packet(avctx, NULL);
		} else {
			if (pkt->stream_index == stream)
				err = avcodec_send_packet(avctx, pkt);
			av_packet_unref(pkt);
		}
		if (err < 0 && err != AVERROR_EOF) {
			fprintf(stderr, "va-export: decode: %s\n", av_err2str(err));
			goto done;
		}
		while ((err = avcodec_receive_frame(avctx, frame)) >= 0) {
			if (frame->format != AV_PIX_FMT_VAAPI) {
				fprintf(stderr, "va-export: frame not decoded by VA-API\n");
				goto done;
			}
			VASurfaceID surf = (VASurfaceID)(uintptr_t)frame->data[3];
			if (write_surface(dpy, surf, frame->width, frame->height, composed, out))
				goto done;
			av_frame_unref(frame);
		}
		if (err != AVERROR(EAGAIN) && err != AVERROR_EOF) {
			fprintf(stderr, "va-export: decode: %s\n", av_err2str(err));
			goto done;
		}
	}
	ret = 0;
done:
	if (out && fclose(out))
		ret = 1;
	av_frame_free(&frame);
	av_packet_free(&pkt);
	avcodec_free_context(&avctx);
	av_buffer_unref(&dev);
	avformat_close_input(&fmt);
	return ret;
}
