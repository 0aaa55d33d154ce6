#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Builds an MPEG-2 Main profile elementary stream (ISO/IEC 13818-2) of FIELD pictures (or of
frame pictures with --frames-only) from raw yuv420p frames, for the decoder tests: ffmpeg's
mpeg2video encoder never emits field pictures. Not a good encoder, a valid one:

- GOP: an I frame every --gop frames, --bframes B frames between reference frames. The first
  frame is an I/I field pair; every later I frame is an I/P pair whose second field predicts
  from the first field of the same frame (opposite parity) and from the previous reference
  frame (same parity). P frames: P/P pairs, the first field predicting from both fields of the
  previous reference frame, the second from the first field and the previous frame. B frames:
  B/B pairs predicting from both fields of both reference frames.
- Every macroblock coded (no skipped macroblocks), one slice per macroblock row, fixed
  quantiser, DCT coefficients escape coded (legal for any run/level), default matrices.
- Motion: field prediction with pseudo-random vectors over the whole f_code range (half-sample
  positions included) and a pseudo-random motion_vertical_field_select, kept inside the
  reference; forward, backward and interpolated macroblocks in B fields; a few intra
  macroblocks in P and B fields (they reset the vector predictors).
- The field order (--bff: bottom field first) is the order of the field pictures;
  top_field_first is 0 in field pictures (6.3.10).
- --fcode FH,FV,BH,BV sets the forward/backward horizontal/vertical f_code (default 2,2,2,2).
- --first-ip: the first frame is an I/P pair too, its P field predicting from the I field only
  (there is no earlier frame), as broadcast streams often start.

The encoder reconstructs its own pictures (closed loop, floating point IDCT) only to keep the
residual small; the reference of the tests is ffmpeg's software decode of the stream.

  mpeg2-fields.py [--bff] [--frames-only] [--gop N] [--bframes N] [--fcode a,b,c,d]
                  [--first-ip] [--seed N] WIDTHxHEIGHT IN.yuv OUT.m2v
"""
import argparse
import math
import random
import sys

ZIGZAG = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34,
          27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37,
          44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63]
# Default intra matrix (6.3.11) in natural (row-major) order; the non-intra default is flat 16.
INTRA_W = [8, 16, 19, 22, 26, 27, 29, 34, 16, 16, 22, 24, 27, 29, 34, 37,
           19, 22, 26, 27, 29, 34, 34, 38, 22, 22, 26, 27, 29, 34, 37, 40,
           22, 26, 27, 29, 32, 35, 40, 48, 26, 27, 29, 32, 35, 40, 48, 58,
           26, 27, 29, 34, 38, 46, 56, 69, 27, 29, 35, 38, 46, 56, 69, 83]
# Table B.12 / B.13: dct_dc_size_luminance / chrominance (code, length) by size.
DC_LUMA = [(0x4, 3), (0x0, 2), (0x1, 2), (0x5, 3), (0x6, 3), (0xe, 4), (0x1e, 5), (0x3e, 6),
           (0x7e, 7), (0xfe, 8), (0x1fe, 9), (0x1ff, 9)]
DC_CHROMA = [(0x0, 2), (0x1, 2), (0x2, 2), (0x6, 3), (0xe, 4), (0x1e, 5), (0x3e, 6), (0x7e, 7),
             (0xfe, 8), (0x1fe, 9), (0x3fe, 10), (0x3ff, 10)]
# Table B.10: motion_code 0..16 (code, length), a sign bit follows a non-zero code.
MOTION = [(0x1, 1), (0x1, 2), (0x1, 3), (0x1, 4), (0x3, 6), (0x5, 7), (0x4, 7), (0x3, 7),
          (0xb, 9), (0xa, 9), (0x9, 9), (0x11, 10), (0x10, 10), (0xf, 10), (0xe, 10),
          (0xd, 10), (0xc, 10)]
QSCALE_CODE = 3  # linear quantiser_scale 6
QS = 2 * QSCALE_CODE
I_TYPE, P_TYPE, B_TYPE = 1, 2, 3
TOP, BOTTOM, FRAME = 1, 2, 3

DCT = [[(math.sqrt(0.5) if u == 0 else 1.0) / 2 * math.cos((2 * x + 1) * u * math.pi / 16)
        for x in range(8)] for u in range(8)]


class Bits:
    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, v, n):
        self.acc = (self.acc << n) | (v & ((1 << n) - 1))
        self.n += n
        while self.n >= 8:
            self.n -= 8
            self.out.append((self.acc >> self.n) & 0xff)
        self.acc &= (1 << self.n) - 1

    def align(self):
        if self.n:
            self.put(0, 8 - self.n)

    def start(self, code):
        self.align()
        self.out += bytes((0, 0, 1, code))


def fdct(block):
    tmp = [[sum(DCT[u][x] * block[y * 8 + x] for x in range(8)) for u in range(8)]
           for y in range(8)]
    return [sum(DCT[v][y] * tmp[y][u] for y in range(8)) for v in range(8) for u in range(8)]


def idct(coef):
    tmp = [[sum(DCT[v][y] * coef[v * 8 + u] for v in range(8)) for u in range(8)]
           for y in range(8)]
    return [sum(DCT[u][x] * tmp[y][u] for u in range(8)) for y in range(8) for x in range(8)]


def sign(v):
    return (v > 0) - (v < 0)


class Picture:
    """Rows of the three planes of a frame; a field is every other row (shared row objects)."""

    def __init__(self, w, h):
        self.planes = [[bytearray(w) for _ in range(h)],
                       [bytearray(w // 2) for _ in range(h // 2)],
                       [bytearray(w // 2) for _ in range(h // 2)]]

    def view(self, structure):
        if structure == FRAME:
            return self.planes
        return [p[structure - 1::2] for p in self.planes]


def read_frames(path, w, h, cw, ch):
    size = w * h * 3 // 2
    frames = []
    with open(path, 'rb') as f:
        while True:
            raw = f.read(size)
            if len(raw) < size:
                break
            pic = Picture(cw, ch)
            offs = [0, w * h, w * h + (w // 2) * (h // 2)]
            for c, (pw, ph) in enumerate(((w, h), (w // 2, h // 2), (w // 2, h // 2))):
                rows = pic.planes[c]
                for y in range(len(rows)):
                    sy = min(y, ph - 1)
                    line = raw[offs[c] + sy * pw:offs[c] + (sy + 1) * pw]
                    rows[y][:pw] = line
                    rows[y][pw:] = bytes([line[-1]]) * (len(rows[y]) - pw)
            frames.append(pic)
    return frames


def predict(ref, x0, y0, size, mvx, mvy):
    """Half-sample prediction (7.6.4) of a size x size block at (x0, y0) of plane rows `ref`."""
    xi, yi, hx, hy = x0 + (mvx >> 1), y0 + (mvy >> 1), mvx & 1, mvy & 1
    out = []
    for y in range(size):
        r0 = ref[yi + y]
        r1 = ref[yi + y + hy]
        for x in range(xi, xi + size):
            if hx and hy:
                out.append((r0[x] + r0[x + 1] + r1[x] + r1[x + 1] + 2) >> 2)
            elif hx:
                out.append((r0[x] + r0[x + 1] + 1) >> 1)
            elif hy:
                out.append((r0[x] + r1[x] + 1) >> 1)
            else:
                out.append(r0[x])
    return out


def chroma_mv(v):
    return int(v / 2)  # truncation toward zero (7.6.3.7)


class Encoder:
    def __init__(self, args, w, h):
        self.args = args
        self.w, self.h = w, h
        self.mbw = (w + 15) // 16
        self.interlaced = not args.frames_only
        self.mbh = 2 * ((h + 31) // 32) if self.interlaced else (h + 15) // 16
        self.cw, self.ch = 16 * self.mbw, 16 * self.mbh
        self.rng = random.Random(args.seed)
        self.bits = Bits()
        self.fcode = [[args.fcode[0], args.fcode[1]], [args.fcode[2], args.fcode[3]]]
        self.only_sel = None  # a field_select forced for every macroblock

    # ---- headers ----
    def sequence_header(self):
        b = self.bits
        b.start(0xb3)
        b.put(self.w & 0xfff, 12)
        b.put(self.h & 0xfff, 12)
        b.put(1, 4)  # aspect_ratio_information: square samples
        b.put(3, 4)  # frame_rate_code: 25 Hz
        b.put(0x3ffff, 18)  # bit_rate_value
        b.put(1, 1)  # marker_bit
        b.put(112, 10)  # vbv_buffer_size (Main level maximum)
        b.put(0, 3)  # constrained_parameters_flag, no matrices
        b.start(0xb5)  # sequence_extension
        b.put(1, 4)
        b.put(0x48, 8)  # Main profile, Main level
        b.put(0 if self.interlaced else 1, 1)  # progressive_sequence
        b.put(1, 2)  # 4:2:0
        b.put(0, 2 + 2 + 12)  # size extensions, bit_rate_extension
        b.put(1, 1)  # marker_bit
        b.put(0, 8 + 1 + 2 + 5)  # vbv_buffer_size_extension, low_delay, frame_rate_extension

    def gop_header(self):
        b = self.bits
        b.start(0xb8)
        b.put(0, 1 + 5 + 6)  # drop_frame_flag, hours, minutes
        b.put(1, 1)  # marker_bit
        b.put(0, 6 + 6)  # seconds, pictures
        b.put(1, 1)  # closed_gop
        b.put(0, 1)  # broken_link

    def picture_header(self, tref, ptype, structure):
        b = self.bits
        b.start(0x00)
        b.put(tref & 0x3ff, 10)
        b.put(ptype, 3)
        b.put(0xffff, 16)  # vbv_delay
        if ptype in (P_TYPE, B_TYPE):
            b.put(0x7, 4)  # full_pel_forward_vector 0, forward_f_code 7
        if ptype == B_TYPE:
            b.put(0x7, 4)
        b.put(0, 1)  # extra_bit_picture
        b.start(0xb5)  # picture_coding_extension
        b.put(8, 4)
        for s in range(2):
            for t in range(2):
                used = (s == 0 and ptype != I_TYPE) or (s == 1 and ptype == B_TYPE)
                b.put(self.fcode[s][t] if used else 15, 4)
        b.put(0, 2)  # intra_dc_precision: 8 bits
        b.put(structure, 2)
        b.put(0, 1)  # top_field_first: 0 in field pictures and in progressive sequences
        b.put(1 if structure == FRAME else 0, 1)  # frame_pred_frame_dct
        b.put(0, 1 + 1 + 1 + 1 + 1)  # concealment, q_scale_type, intra_vlc, alternate_scan, rff
        prog = 1 if structure == FRAME else 0
        b.put(prog, 1)  # chroma_420_type
        b.put(prog, 1)  # progressive_frame
        b.put(0, 1)  # composite_display_flag

    # ---- blocks ----
    def code_intra_block(self, samples, cc, W):
        F = fdct(samples)
        dc = max(0, min(255, int(round(F[0] / 8))))
        QF = [0] * 64
        QF[0] = dc
        for k in range(1, 64):
            q = int(round(16 * F[k] / (W[k] * QS)))
            QF[k] = max(-2047, min(2047, q))
        diff = dc - self.dc_pred[cc]
        self.dc_pred[cc] = dc
        size = 0 if diff == 0 else abs(diff).bit_length()
        code, n = (DC_LUMA if cc == 0 else DC_CHROMA)[size]
        self.bits.put(code, n)
        if size:
            self.bits.put(diff if diff > 0 else diff + (1 << size) - 1, size)
        self.code_coefs(QF, 1)
        rec = [0.0] * 64
        rec[0] = 8 * dc
        for k in range(1, 64):
            rec[k] = int(QF[k] * W[k] * QS * 2 / 32)
        return idct(rec)

    def code_inter_block(self, residual):
        F = fdct(residual)
        QF = [0] * 64
        for k in range(64):
            a = (32 * abs(F[k]) / (16 * QS) - 1) / 2
            QF[k] = sign(F[k]) * min(2047, max(0, int(round(a))))
        if not any(QF):
            QF[0] = 1  # a coded block holds a coefficient
        self.code_coefs(QF, 0)
        rec = [int((2 * q + sign(q)) * 16 * QS / 32) for q in QF]
        return idct(rec)

    def code_coefs(self, QF, first):
        run = 0
        for i in range(first, 64):
            v = QF[ZIGZAG[i]]
            if v == 0:
                run += 1
                continue
            self.bits.put(0x1, 6)  # escape
            self.bits.put(run, 6)
            self.bits.put(v & 0xfff, 12)
            run = 0
        self.bits.put(0x2, 2)  # end_of_block

    # ---- motion ----
    def code_mv(self, r, mv):
        for t in range(2):
            f = 1 << (self.fcode[r][t] - 1)
            low, high = -16 * f, 16 * f - 1
            delta = mv[t] - self.pmv[r][t]
            if delta < low:
                delta += 32 * f
            if delta > high:
                delta -= 32 * f
            if delta == 0:
                self.bits.put(1, 1)
            else:
                a = abs(delta) - 1
                mc, res = a // f + 1, a % f
                code, n = MOTION[mc]
                self.bits.put(code, n)
                self.bits.put(1 if delta < 0 else 0, 1)
                if f > 1:
                    self.bits.put(res, self.fcode[r][t] - 1)
            self.pmv[r][t] = mv[t]

    def pick_mv(self, r, x0, y0, pw, ph):
        mv = []
        for t, (pos, size) in enumerate(((x0, pw), (y0, ph))):
            f = 1 << (self.fcode[r][t] - 1)
            lo, hi = max(-16 * f, -2 * pos), min(16 * f - 1, 2 * (size - 16 - pos))
            mv.append(self.rng.randint(lo, hi))
        return mv

    # ---- pictures ----
    def encode_picture(self, src, cur, ptype, structure, refs):
        """refs[r] = (view for field_select 0, view for field_select 1) or (frame view,)."""
        b = self.bits
        sv = src.view(structure)
        cv = cur.view(structure)
        ph = len(sv[0])
        rows = ph // 16
        for mby in range(rows):
            b.start(mby + 1)
            b.put(QSCALE_CODE, 5)
            b.put(0, 1)  # extra_bit_slice
            self.pmv = [[0, 0], [0, 0]]
            self.dc_pred = [128, 128, 128]
            for mbx in range(self.mbw):
                x0, y0 = 16 * mbx, 16 * mby
                b.put(1, 1)  # macroblock_address_increment 1
                intra = ptype == I_TYPE or self.rng.random() < 0.08
                if intra:
                    b.put(*((1, 1) if ptype == I_TYPE else (0x3, 5)))
                    self.pmv = [[0, 0], [0, 0]]
                    self.intra_mb(sv, cv, x0, y0)
                    continue
                self.dc_pred = [128, 128, 128]
                if ptype == P_TYPE:
                    dirs = [0]
                    b.put(1, 1)  # MC, coded
                else:
                    dirs = self.rng.choice(([0], [1], [0, 1]))
                    b.put(*{(0,): (0x3, 4), (1,): (0x3, 3), (0, 1): (0x3, 2)}[tuple(dirs)])
                if structure != FRAME:
                    b.put(1, 2)  # field_motion_type: field
                preds = []
                for r in dirs:
                    sel = self.rng.randint(0, len(refs[r]) - 1)
                    if self.only_sel is not None:
                        sel = self.only_sel
                    ref = refs[r][sel]
                    mv = self.pick_mv(r, x0, y0, self.cw, ph)
                    if structure != FRAME:
                        b.put(sel, 1)  # motion_vertical_field_select
                    self.code_mv(r, mv)
                    cmv = [chroma_mv(mv[0]), chroma_mv(mv[1])]
                    preds.append([predict(ref[0], x0, y0, 16, *mv),
                                  predict(ref[1], x0 // 2, y0 // 2, 8, *cmv),
                                  predict(ref[2], x0 // 2, y0 // 2, 8, *cmv)])
                if len(preds) == 2:
                    pred = [[(a + c + 1) >> 1 for a, c in zip(p0, p1)]
                            for p0, p1 in zip(*preds)]
                else:
                    pred = preds[0]
                b.put(0xc, 6)  # coded_block_pattern 63
                self.inter_mb(sv, cv, x0, y0, pred)

    def blocks(self, x0, y0):
        for k in range(4):
            yield 0, x0 + 8 * (k & 1), y0 + 8 * (k >> 1), 16, (k & 1) * 8 + (k >> 1) * 128
        yield 1, x0 // 2, y0 // 2, 8, 0
        yield 2, x0 // 2, y0 // 2, 8, 0

    def intra_mb(self, sv, cv, x0, y0):
        for c, bx, by, _, _ in self.blocks(x0, y0):
            samples = [sv[c][by + y][bx + x] for y in range(8) for x in range(8)]
            rec = self.code_intra_block(samples, c, INTRA_W)
            for y in range(8):
                row = cv[c][by + y]
                for x in range(8):
                    row[bx + x] = max(0, min(255, int(round(rec[y * 8 + x]))))

    def inter_mb(self, sv, cv, x0, y0, pred):
        for c, bx, by, pw, off in self.blocks(x0, y0):
            p = [pred[c][off + y * pw + x] for y in range(8) for x in range(8)]
            res = [sv[c][by + y][bx + x] - p[y * 8 + x] for y in range(8) for x in range(8)]
            rec = self.code_inter_block(res)
            for y in range(8):
                row = cv[c][by + y]
                for x in range(8):
                    row[bx + x] = max(0, min(255, p[y * 8 + x] + int(round(rec[y * 8 + x]))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--bff', action='store_true', help='bottom field first')
    ap.add_argument('--frames-only', action='store_true',
                    help='progressive frame pictures (frame prediction) instead of fields')
    ap.add_argument('--gop', type=int, default=6)
    ap.add_argument('--bframes', type=int, default=2)
    ap.add_argument('--fcode', default='2,2,2,2')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--first-ip', action='store_true', help='start with an I/P field pair')
    ap.add_argument('size')
    ap.add_argument('input')
    ap.add_argument('output')
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.split('x'))
    args.fcode = [int(v) for v in args.fcode.split(',')]
    if len(args.fcode) != 4 or any(f < 1 or f > 9 for f in args.fcode) or w % 2 or h % 2:
        ap.error('bad --fcode or size')
    enc = Encoder(args, w, h)
    frames = read_frames(args.input, w, h, enc.cw, enc.ch)
    if not frames:
        sys.exit('no input frames')
    n = len(frames)
    # Coding order: reference frames (I every --gop frames, else P), then the B frames before.
    m = args.bframes + 1
    anchors = list(range(0, n, m))
    if anchors[-1] != n - 1:
        anchors.append(n - 1)
    order = [(0, I_TYPE)]
    for prev, a in zip(anchors, anchors[1:]):
        order.append((a, I_TYPE if a % args.gop == 0 else P_TYPE))
        order += [(k, B_TYPE) for k in range(prev + 1, a)]
    enc.sequence_header()
    enc.gop_header()
    recon = {}
    older = newer = None
    first, second = (BOTTOM, TOP) if args.bff else (TOP, BOTTOM)
    for idx, ptype in order:
        cur = Picture(enc.cw, enc.ch)
        recon[idx] = cur
        if not enc.interlaced:
            enc.picture_header(idx, ptype, FRAME)
            refs = []
            if ptype == P_TYPE:
                refs = [(newer.view(FRAME),)]
            elif ptype == B_TYPE:
                refs = [(older.view(FRAME),), (newer.view(FRAME),)]
            enc.encode_picture(frames[idx], cur, ptype, FRAME, refs)
        else:
            def fields(pic):
                return (pic.view(TOP), pic.view(BOTTOM))
            # first field
            enc.picture_header(idx, ptype, first)
            if ptype == I_TYPE:
                refs = []
            elif ptype == P_TYPE:
                refs = [fields(newer)]
            else:
                refs = [fields(older), fields(newer)]
            enc.encode_picture(frames[idx], cur, ptype, first, refs)
            # second field: an I frame's is a P field unless it starts the stream
            ptype2 = ptype
            if ptype == I_TYPE and (newer is not None or args.first_ip):
                ptype2 = P_TYPE
            enc.picture_header(idx, ptype2, second)
            if ptype2 == P_TYPE:
                # field_select is the parity: the first field of this frame for the opposite
                # one, the previous reference frame for the same one (7.6.3.5); without a
                # previous frame, the first field only
                opp = cur.view(first)
                same = newer.view(second) if newer is not None else opp
                refs = [(opp, same) if first == TOP else (same, opp)]
                if newer is None:
                    enc.only_sel = first - 1
            enc.encode_picture(frames[idx], cur, ptype2, second, refs)
            enc.only_sel = None
        if ptype != B_TYPE:
            older, newer = newer, cur
    enc.bits.start(0xb7)  # sequence_end_code
    with open(args.output, 'wb') as f:
        f.write(enc.bits.out)


if __name__ == '__main__':
    main()
