/* SPDX-License-Identifier: MIT */
/*
 * CAPTURE pixel formats: DRM modifiers, plane offsets, and reading a rectangle into linear NV12
 * (detiling NV12_4L4 and NV12_32L32, per docs/design.md).
 *
 * A read checks the rectangle against the buffer once, then copies whole tiles with a block
 * kernel (portable C; SSE2, AVX2 on x86-64; NEON on aarch64) and the partial tiles at the
 * rectangle's edges run by run. The kernels only move bytes: every path gives the same output.
 */
#include "driver.h"
#include "format/format.h"

#include <string.h>

#include <drm_fourcc.h>

#if defined(__x86_64__) && defined(__SSE2__)
#include <immintrin.h>
#define HAVE_SSE2 1
#if defined(__GNUC__) || defined(__clang__)
#define HAVE_AVX2 1
#endif
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#define HAVE_NEON 1
#endif

#define ALIGN(v, a) (((v) + (a)-1) / (a) * (a))

bool v4l2r_format_known(uint32_t fourcc)
{
	return fourcc == V4L2_PIX_FMT_NV12 || fourcc == V4L2_PIX_FMT_NV12_4L4 ||
	       fourcc == V4L2_PIX_FMT_NV12_32L32 || fourcc == V4L2_PIX_FMT_P010;
}

bool v4l2r_format_linear(uint32_t fourcc)
{
	return fourcc == V4L2_PIX_FMT_NV12 || fourcc == V4L2_PIX_FMT_P010;
}

uint64_t v4l2r_format_modifier(uint32_t fourcc, bool *ok)
{
	*ok = true;
	switch (fourcc) {
	case V4L2_PIX_FMT_NV12:
	case V4L2_PIX_FMT_P010:
		return DRM_FORMAT_MOD_LINEAR;
	case V4L2_PIX_FMT_NV12_32L32:
		return DRM_FORMAT_MOD_ALLWINNER_TILED;
	default:
		*ok = false; /* NV12_4L4: no DRM modifier describes hantro/rkvdec 4x4 tiles */
		return DRM_FORMAT_MOD_INVALID;
	}
}

uint32_t v4l2r_format_uv_offset(uint32_t fourcc, uint32_t bpl, uint32_t height)
{
	uint64_t off;

	switch (fourcc) {
	case V4L2_PIX_FMT_NV12_4L4:
		off = (uint64_t)bpl * ALIGN(height, 16);
		break;
	case V4L2_PIX_FMT_NV12_32L32:
		off = (uint64_t)bpl * ALIGN(height, 32);
		break;
	default:
		off = (uint64_t)bpl * height;
		break;
	}
	return off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
}

/*
 * Block kernels: `n` consecutive tiles of one tile row starting at `src` into the destination
 * rows at `dst` (T rows of n * T bytes, T = 4 or 32).
 */
typedef void (*tile_fn)(uint8_t *dst, size_t pitch, const uint8_t *src, uint32_t n);

struct kernels {
	tile_fn t4, t32;
};

static void t4_c(uint8_t *dst, size_t pitch, const uint8_t *src, uint32_t n)
{
	for (uint32_t t = 0; t < n; t++, src += 16, dst += 4)
		for (unsigned r = 0; r < 4; r++)
			memcpy(dst + r * pitch, src + r * 4, 4);
}

/*
 * 32x32 tiles go by groups of T32_GROUP, row by row inside a group: tile by tile writes 32 rows
 * at once, row by row over the whole tile row reads 32 KiB-apart lines; groups of 8 tiles
 * (8 KiB of source) measured best at 1080p and 4K.
 */
#define T32_GROUP 8

static void t32_c(uint8_t *dst, size_t pitch, const uint8_t *src, uint32_t n)
{
	for (uint32_t g = 0; g < n; g += T32_GROUP) {
		uint32_t m = n - g < T32_GROUP ? n - g : T32_GROUP;

		for (unsigned r = 0; r < 32; r++)
			for (uint32_t t = g; t < g + m; t++)
				memcpy(dst + r * pitch + t * 32, src + (size_t)t * 1024 + r * 32,
				       32);
	}
}

static const struct kernels k_c = {t4_c, t32_c};

#ifdef HAVE_SSE2
/* Four 4x4 tiles are a 4x4 matrix of 32-bit words: transpose it. */
static void t4_sse2(uint8_t *dst, size_t pitch, const uint8_t *src, uint32_t n)
{
	for (; n >= 4; n -= 4, src += 64, dst += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)src);
		__m128i b = _mm_loadu_si128((const __m128i *)(src + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(src + 32));
		__m128i d = _mm_loadu_si128((const __m128i *)(src + 48));
		__m128i ab01 = _mm_unpacklo_epi32(a, b), cd01 = _mm_unpacklo_epi32(c, d);
		__m128i ab23 = _mm_unpackhi_epi32(a, b), cd23 = _mm_unpackhi_epi32(c, d);

		_mm_storeu_si128((__m128i *)dst, _mm_unpacklo_epi64(ab01, cd01));
		_mm_storeu_si128((__m128i *)(dst + pitch), _mm_unpackhi_epi64(ab01, cd01));
		_mm_storeu_si128((__m128i *)(dst + 2 * pitch), _mm_unpacklo_epi64(ab23, cd23));
		_mm_storeu_si128((__m128i *)(dst + 3 * pitch), _mm_unpackhi_epi64(ab23, cd23));
	}
	t4_c(dst, pitch, src, n);
}

static void t32_sse2(uint8_t *dst, size_t pitch, const uint8_t *src, uint32_t n)
{
	for (uint32_t g = 0; g < n; g += T32_GROUP) {
		uint32_t m = n - g < T32_GROUP ? n - g : T32_GROUP;

		for (unsigned r = 0; r < 32; r++)
			for (uint32_t t = g; t < g + m; t++) {
				const uint8_t *s = src + (size_t)t * 1024 + r * 32;
				uint8_t *d = dst + r * pitch + t * 32;

				_mm_storeu_si128((__m128i *)d, _mm_loadu_si128((const __m128i *)s));
				_mm_storeu_si128((__m128i *)(d + 16),
						 _mm_loadu_si128((const __m128i *)(s + 16)));
			}
	}
}

static const struct kernels k_sse2 = {t4_sse2, t32_sse2};
#endif

#ifdef HAVE_AVX2
/* Eight 4x4 tiles: pair the words of two tiles, then transpose 4x4 blocks of 64-bit words. */
__attribute__((target("avx2"))) static void t4_avx2(uint8_t *dst, size_t pitch, const uint8_t *src,
						    uint32_t n)
{
	const __m256i pair = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);

	for (; n >= 8; n -= 8, src += 128, dst += 32) {
		__m256i a = _mm256_loadu_si256((const __m256i *)src);
		__m256i b = _mm256_loadu_si256((const __m256i *)(src + 32));
		__m256i c = _mm256_loadu_si256((const __m256i *)(src + 64));
		__m256i d = _mm256_loadu_si256((const __m256i *)(src + 96));

		a = _mm256_permutevar8x32_epi32(a, pair); /* t0r0 t1r0 t0r1 t1r1 | t0r2 .. t1r3 */
		b = _mm256_permutevar8x32_epi32(b, pair);
		c = _mm256_permutevar8x32_epi32(c, pair);
		d = _mm256_permutevar8x32_epi32(d, pair);
		__m256i ab02 = _mm256_unpacklo_epi64(a, b), ab13 = _mm256_unpackhi_epi64(a, b);
		__m256i cd02 = _mm256_unpacklo_epi64(c, d), cd13 = _mm256_unpackhi_epi64(c, d);

		_mm256_storeu_si256((__m256i *)dst, _mm256_permute2x128_si256(ab02, cd02, 0x20));
		_mm256_storeu_si256((__m256i *)(dst + pitch),
				    _mm256_permute2x128_si256(ab13, cd13, 0x20));
		_mm256_storeu_si256((__m256i *)(dst + 2 * pitch),
				    _mm256_permute2x128_si256(ab02, cd02, 0x31));
		_mm256_storeu_si256((__m256i *)(dst + 3 * pitch),
				    _mm256_permute2x128_si256(ab13, cd13, 0x31));
	}
	t4_sse2(dst, pitch, src, n);
}

__attribute__((target("avx2"))) static void t32_avx2(uint8_t *dst, size_t pitch, const uint8_t *src,
						     uint32_t n)
{
	for (uint32_t g = 0; g < n; g += T32_GROUP) {
		uint32_t m = n - g < T32_GROUP ? n - g : T32_GROUP;

		for (unsigned r = 0; r < 32; r++)
			for (uint32_t t = g; t < g + m; t++)
				_mm256_storeu_si256(
				    (__m256i *)(dst + r * pitch + t * 32),
				    _mm256_loadu_si256(
					(const __m256i *)(src + (size_t)t * 1024 + r * 32)));
	}
}

static const struct kernels k_avx2 = {t4_avx2, t32_avx2};
#endif

#ifdef HAVE_NEON
/* vld4q_u32 deinterleaves four 4x4 tiles straight into their four rows. */
static void t4_neon(uint8_t *dst, size_t pitch, const uint8_t *src, uint32_t n)
{
	for (; n >= 4; n -= 4, src += 64, dst += 16) {
		uint32x4x4_t v = vld4q_u32((const uint32_t *)(const void *)src);

		vst1q_u8(dst, vreinterpretq_u8_u32(v.val[0]));
		vst1q_u8(dst + pitch, vreinterpretq_u8_u32(v.val[1]));
		vst1q_u8(dst + 2 * pitch, vreinterpretq_u8_u32(v.val[2]));
		vst1q_u8(dst + 3 * pitch, vreinterpretq_u8_u32(v.val[3]));
	}
	t4_c(dst, pitch, src, n);
}

static void t32_neon(uint8_t *dst, size_t pitch, const uint8_t *src, uint32_t n)
{
	for (uint32_t g = 0; g < n; g += T32_GROUP) {
		uint32_t m = n - g < T32_GROUP ? n - g : T32_GROUP;

		for (unsigned r = 0; r < 32; r++)
			for (uint32_t t = g; t < g + m; t++) {
				const uint8_t *s = src + (size_t)t * 1024 + r * 32;
				uint8_t *d = dst + r * pitch + t * 32;

				vst1q_u8(d, vld1q_u8(s));
				vst1q_u8(d + 16, vld1q_u8(s + 16));
			}
	}
}

static const struct kernels k_neon = {t4_neon, t32_neon};
#endif

const char *v4l2r_format_impl_name(enum v4l2r_format_impl impl)
{
	static const char *const names[V4L2R_FORMAT_N_IMPL] = {"auto", "c", "sse2", "avx2", "neon"};

	return (unsigned)impl < V4L2R_FORMAT_N_IMPL ? names[impl] : "?";
}

bool v4l2r_format_impl_available(enum v4l2r_format_impl impl)
{
	switch (impl) {
	case V4L2R_FORMAT_AUTO:
	case V4L2R_FORMAT_C:
		return true;
#ifdef HAVE_SSE2
	case V4L2R_FORMAT_SSE2:
		return true;
#endif
#ifdef HAVE_AVX2
	case V4L2R_FORMAT_AVX2:
		return __builtin_cpu_supports("avx2");
#endif
#ifdef HAVE_NEON
	case V4L2R_FORMAT_NEON:
		return true;
#endif
	default:
		return false;
	}
}

enum v4l2r_format_impl v4l2r_format_impl_auto(void)
{
	/* AVX2 is built and tested but not chosen: the copies are memory bound, SSE2 already
	 * runs at memcpy speed and the AVX2 4x4 transpose measured slower (bench/RESULTS.md). */
	if (v4l2r_format_impl_available(V4L2R_FORMAT_NEON))
		return V4L2R_FORMAT_NEON;
	if (v4l2r_format_impl_available(V4L2R_FORMAT_SSE2))
		return V4L2R_FORMAT_SSE2;
	return V4L2R_FORMAT_C;
}

static const struct kernels *kernels_of(enum v4l2r_format_impl impl)
{
	if (impl == V4L2R_FORMAT_AUTO)
		impl = v4l2r_format_impl_auto();
	if (!v4l2r_format_impl_available(impl))
		return NULL;
	switch (impl) {
#ifdef HAVE_SSE2
	case V4L2R_FORMAT_SSE2:
		return &k_sse2;
#endif
#ifdef HAVE_AVX2
	case V4L2R_FORMAT_AVX2:
		return &k_avx2;
#endif
#ifdef HAVE_NEON
	case V4L2R_FORMAT_NEON:
		return &k_neon;
#endif
	default:
		return &k_c;
	}
}

/* A plane in one layout: tiles of t x t bytes (t = 1: linear). */
struct plane {
	const uint8_t *base;
	size_t size;
	uint32_t bpl, t;
};

static size_t byte_offset(const struct plane *p, uint32_t x, uint32_t y)
{
	uint32_t t = p->t;

	if (t == 1)
		return (size_t)y * p->bpl + x;
	return (size_t)(y / t) * p->bpl * t + (size_t)(x / t) * t * t + (y % t) * t + x % t;
}

/* Rows [y0, y1), bytes [x0, x1) of the plane, run by run (each run stays inside a tile). */
static void copy_runs(const struct plane *p, uint32_t x0, uint32_t x1, uint32_t y0, uint32_t y1,
		      uint8_t *dst, size_t pitch)
{
	for (uint32_t y = y0; y < y1; y++, dst += pitch) {
		for (uint32_t x = x0; x < x1;) {
			uint32_t run = p->t - x % p->t;

			if (p->t == 1 || run > x1 - x)
				run = x1 - x;
			memcpy(dst + (x - x0), p->base + byte_offset(p, x, y), run);
			x += run;
		}
	}
}

/* Rectangle (x, y, w, h) of bytes of a plane (w, h > 0). Returns -1 when out of bounds. */
static int read_plane(const struct kernels *k, const struct plane *p, uint32_t x, uint32_t y,
		      uint32_t w, uint32_t h, uint8_t *dst, size_t pitch)
{
	/* Far from any real size: keeps the tile arithmetic below from wrapping. */
	if ((uint64_t)x + w > UINT32_MAX - 64 || (uint64_t)y + h > UINT32_MAX - 64)
		return -1;
	uint32_t x1 = x + w, y1 = y + h, t = p->t;

	/*
	 * Offsets grow with x and with the row inside a tile row, and x1 <= bpl: the last byte of
	 * the rectangle's last row is the furthest one, but when bpl is not a multiple of t a tile
	 * row may reach past the start of the next one, so check the row above that one too.
	 */
	size_t last = byte_offset(p, x1 - 1, y1 - 1);
	if (t > 1 && (y1 - 1) / t * t > y) {
		size_t prev = byte_offset(p, x1 - 1, (y1 - 1) / t * t - 1);

		last = prev > last ? prev : last;
	}
	if (last >= p->size)
		return -1;
	if (t == 1) {
		for (uint32_t r = 0; r < h; r++)
			memcpy(dst + r * pitch, p->base + (size_t)(y + r) * p->bpl + x, w);
		return 0;
	}

	/* Whole tile columns [fx0, fx1); none when the rectangle stays inside one column. */
	uint32_t fx0 = ALIGN(x, t), fx1 = x1 / t * t;
	if (fx0 >= fx1)
		fx0 = fx1 = x1;
	tile_fn fn = t == 4 ? k->t4 : k->t32;

	for (uint32_t ty = y; ty < y1;) {
		uint32_t row0 = ty / t * t, ry1 = row0 + t < y1 ? row0 + t : y1;
		uint8_t *d = dst + (size_t)(ty - y) * pitch;

		if (ty == row0 && ry1 == row0 + t && fx1 > fx0) {
			fn(d + (fx0 - x), pitch, p->base + byte_offset(p, fx0, row0),
			   (fx1 - fx0) / t);
			copy_runs(p, x, fx0, ty, ry1, d, pitch);
			copy_runs(p, fx1, x1, ty, ry1, d + (fx1 - x), pitch);
		} else {
			copy_runs(p, x, x1, ty, ry1, d, pitch);
		}
		ty = ry1;
	}
	return 0;
}

int v4l2r_format_read_impl(enum v4l2r_format_impl impl, const struct v4l2r_layout *l,
			   const uint8_t *src, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
			   uint8_t *dst_y, uint32_t pitch_y, uint8_t *dst_uv, uint32_t pitch_uv)
{
	const struct kernels *k = kernels_of(impl);
	uint32_t bps = l->fourcc == V4L2_PIX_FMT_P010 ? 2 : 1; /* bytes per sample */
	uint32_t t = l->fourcc == V4L2_PIX_FMT_NV12_4L4	    ? 4
		     : l->fourcc == V4L2_PIX_FMT_NV12_32L32 ? 32
							    : 1;

	if (!k || !v4l2r_format_known(l->fourcc) || l->uv_offset > l->size)
		return -1;
	if ((uint64_t)x + w > l->width || (uint64_t)y + h > l->height)
		return -1;
	if ((uint64_t)(x + w) * bps > l->bpl)
		return -1;
	/* Chroma is subsampled 2x2: start on an even pixel. */
	uint32_t cx = x & ~1u, cy = y / 2;
	uint32_t cw = ((x + w + 1) & ~1u) - cx, ch = (y + h + 1) / 2 - cy;

	if ((uint64_t)cx + cw > ALIGN((uint64_t)l->bpl, 2))
		return -1;
	if (w == 0 || h == 0)
		return 0;
	const struct plane py = {src, l->uv_offset, l->bpl, t};
	const struct plane puv = {src + l->uv_offset, l->size - l->uv_offset, l->bpl, t};
	if (read_plane(k, &py, x * bps, y, w * bps, h, dst_y, pitch_y) < 0)
		return -1;
	return read_plane(k, &puv, cx * bps, cy, cw * bps, ch, dst_uv, pitch_uv);
}

int v4l2r_format_read(const struct v4l2r_layout *l, const uint8_t *src, uint32_t x, uint32_t y,
		      uint32_t w, uint32_t h, uint8_t *dst_y, uint32_t pitch_y, uint8_t *dst_uv,
		      uint32_t pitch_uv)
{
	return v4l2r_format_read_impl(V4L2R_FORMAT_AUTO, l, src, x, y, w, h, dst_y, pitch_y, dst_uv,
				      pitch_uv);
}
