#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Makes a field-picture (PAFF) stream, which no encoder at hand emits (x264 codes interlaced
content as MBAFF frames only), out of a CAVLC stream whose pictures are the fields of the
content (ffmpeg -vf separatefields, top field first, then x264 at half height):

    h264-paff.py [--bff] [--ltr] IN OUT

SPS: frame_mbs_only_flag 0, mb_adaptive_frame_field_flag 0 (pic_height_in_map_units keeps its
value: with frame_mbs_only_flag 0 a map unit is a macroblock pair, so the frame is twice the
coded picture). Slices: picture i becomes the top (i even) or bottom (i odd) field of frame i/2:
field_pic_flag 1 and bottom_field_flag inserted after frame_num, frame_num = (i/2) mod
MaxFrameNum (--bff: bottom for i even, the source then being bottom field first), so the two
fields of a frame are a complementary reference field pair; the first
field of the stream stays IDR, its second field is a P field predicted from it. --ltr: the IDR
field is marked long-term (long_term_reference_flag 1) and its second field joins it with
memory management operation 6 (LongTermFrameIdx 0), as 8.2.5.1 requires of the second field of a
long-term first field: the stream keeps a long-term field pair for its whole length while the
short-term frames slide past it. (Not in the corpus: ffmpeg 5.1's software decoder, the
reference, drops that long-term pair and reports missing references.)

Field reference lists (8.2.4.2.5: alternating parity) differ from the lists the encoder assumed
and field pictures use field scans and field deblocking: the pictures differ from the encoder's
intent, but decoding is fully defined and decoders must agree bit-exactly. Requirements (checked):
CAVLC, progressive SPS without cropping, no bottom_field_pic_order_in_frame_present, one slice per
picture, no B slices (x264 --bframes 0 --weightp 0 --slices 1)."""
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from importlib import import_module  # noqa: E402

ltr = import_module("h264-ltr")
Bits = ltr.Bits


def bits_of(data):
    return "".join(format(b, "08b") for b in data)


def to_bytes(bits):
    bits += "1"  # rbsp_stop_one_bit
    bits += "0" * (-len(bits) % 8)
    return bytearray(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))


def payload_bits(rbsp):
    """The RBSP's bits before rbsp_stop_one_bit."""
    s = bits_of(rbsp).rstrip("0")
    if not s:
        raise ValueError("empty RBSP")
    return s[:-1]


def sps_fix(r):
    """Returns (new RBSP, parsed fields)."""
    b = Bits(r)
    profile = b.u(8)
    b.u(16)
    b.ue()
    if profile in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
        if b.ue() == 3:
            b.u(1)
        b.ue()
        b.ue()
        b.u(1)
        if b.u(1):
            raise ValueError("sequence scaling matrices are not handled")
    sps = {"log2_max_frame_num": b.ue() + 4, "poc_type": b.ue()}
    if sps["poc_type"] == 0:
        sps["log2_max_poc_lsb"] = b.ue() + 4
    elif sps["poc_type"] == 1:
        sps["delta_pic_order_always_zero"] = b.u(1)
        b.se()
        b.se()
        for _ in range(b.ue()):
            b.se()
    b.ue()
    b.u(1)
    b.ue()
    b.ue()
    pos = b.pos
    if b.u(1) != 1:
        raise ValueError("SPS is not progressive")
    if b.u(1) != 1:
        raise ValueError("direct_8x8_inference_flag 0 is not allowed with fields")
    if b.u(1):
        raise ValueError("cropping is not handled")
    bits = payload_bits(r)
    return to_bytes(bits[:pos] + "00" + bits[pos + 1:]), sps


def slice_fix(r, sps, idr, index, bff, ltr):
    b = Bits(r)
    b.ue()
    p_slice = b.ue() % 5 == 0
    b.ue()
    pos = b.pos
    n = sps["log2_max_frame_num"]
    b.u(n)
    frame_num = format((index // 2) % (1 << n), "0%db" % n)
    bits = payload_bits(r)
    bottom = (index + bff) % 2
    edits = [(pos, pos + n, frame_num + "1" + str(bottom))]
    if ltr and index < 2:
        # To dec_ref_pic_marking (no redundant_pic_cnt, no weighted P: checked on the PPS).
        if idr:
            b.ue()
        if sps["poc_type"] == 0:
            b.u(sps["log2_max_poc_lsb"])
        elif sps["poc_type"] == 1 and not sps["delta_pic_order_always_zero"]:
            b.se()
        if p_slice:
            if b.u(1):
                b.ue()
            if b.u(1):
                raise ValueError("reference list modification is not handled")
        if idr:
            b.u(1)
            edits.append((b.pos, b.pos + 1, "1"))  # long_term_reference_flag
        else:
            if b.u(1):
                raise ValueError("memory management operations are not handled")
            # adaptive_ref_pic_marking_mode_flag 1; mmco 6 (ue 00111), idx 0 (ue 1); mmco 0
            edits.append((b.pos - 1, b.pos, "1" + "00111" + "1" + "1"))
    out = ""
    last = 0
    for a, z, new in edits:
        out += bits[last:a] + new
        last = z
    return to_bytes(out + bits[last:])


def main():
    args = sys.argv[1:]
    bff = ltr_mode = 0
    while args and args[0].startswith("--"):
        if args[0] == "--bff":
            bff = 1
        elif args[0] == "--ltr":
            ltr_mode = 1
        else:
            break
        args = args[1:]
    if len(args) != 2:
        sys.exit("usage: h264-paff.py [--bff] [--ltr] IN OUT")
    data = open(args[0], "rb").read()
    sps = pps = None
    out = bytearray()
    index = -1
    for start, nal in ltr.split_nals(data):
        t = nal[0] & 0x1F
        if t in (1, 5, 7, 8):
            r = ltr.unescape(nal[1:])
            if t == 7:
                r, sps = sps_fix(r)
            elif t == 8:
                _, pps = ltr.parse_pps(r)
                if Bits(r).ue() != 0 or pps["bottom_field_pic_order"]:
                    raise ValueError("unexpected PPS")
                b = Bits(r)
                b.ue()
                b.ue()
                if b.u(1):
                    raise ValueError("CABAC is not handled")
                b.u(1)
                b.ue()
                b.ue()
                b.ue()
                if b.u(1) or pps["redundant_pic_cnt_present"]:
                    raise ValueError("weighted P / redundant pictures are not handled")
            else:
                if Bits(r).ue() != 0:
                    raise ValueError("one slice per picture")
                index += 1
                if t == 5 and index != 0:
                    raise ValueError("IDR after the first picture")
                r = slice_fix(r, sps, t == 5, index, bff, ltr_mode)
            nal = nal[:1] + bytes(ltr.escape(r))
        out += start + nal
    if index < 1 or index % 2 == 0:
        raise ValueError("need an even number of pictures")
    open(args[1], "wb").write(out)


if __name__ == "__main__":
    main()
