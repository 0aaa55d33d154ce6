#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Makes a long-term-reference stream out of an Annex B H.264 stream no encoder at hand gives:
every IDR picture is marked long-term (dec_ref_pic_marking long_term_reference_flag = 1,
LongTermFrameIdx 0) by flipping that one bit in each IDR slice header, so the IDR stays in the
DPB as a long-term reference while the short-term references slide past it, and every later P
picture's reference list ends with it (8.2.4.2.1: short-term by PicNum, then long-term).

    h264-ltr.py IN OUT

The result is a valid stream whose pictures differ from the encoder's intent once the sliding
window drops a short-term picture the encoder referenced (the long-term IDR takes its place in
the list): decoders must still agree bit-exactly. Requirements on IN: no B slices, no reference
list modification, no memory management operations (x264 --bframes 0 --weightp 0 gives that;
the caller checks that the software decoder accepts the result), and, checked here,
max_num_ref_frames >= 2, no sequence scaling matrices, no slice groups."""
import sys


class Bits:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def u(self, n):
        v = 0
        for _ in range(n):
            byte = self.data[self.pos >> 3]
            v = (v << 1) | ((byte >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return v

    def ue(self):
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
            if zeros > 31:
                raise ValueError("bad exp-golomb code")
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self):
        k = self.ue()
        return (k + 1) // 2 if k & 1 else -(k // 2)


def unescape(ebsp):
    out = bytearray()
    zeros = 0
    for b in ebsp:
        if zeros >= 2 and b == 3:
            zeros = 0
            continue
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return out


def escape(rbsp):
    out = bytearray()
    zeros = 0
    for b in rbsp:
        if zeros >= 2 and b <= 3:
            out.append(3)
            zeros = 0
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    if zeros >= 2:
        out.append(3)
    return out


def split_nals(data):
    """(start code, nal bytes) pairs of an Annex B stream."""
    starts = []
    i = 0
    while True:
        i = data.find(b"\x00\x00\x01", i)
        if i < 0:
            break
        s = i - 1 if i > 0 and data[i - 1] == 0 else i
        starts.append((s, i + 3))
        i += 3
    nals = []
    for k, (s, p) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(data)
        nals.append((bytes(data[s:p]), bytes(data[p:end])))
    return nals


def parse_sps(r):
    b = Bits(r)
    profile = b.u(8)
    b.u(16)
    sps_id = b.ue()
    sps = {"separate_colour_plane": 0}
    if profile in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
        cf = b.ue()
        if cf == 3:
            sps["separate_colour_plane"] = b.u(1)
        b.ue()
        b.ue()
        b.u(1)
        if b.u(1):
            raise ValueError("sequence scaling matrices are not handled")
    sps["log2_max_frame_num"] = b.ue() + 4
    sps["poc_type"] = b.ue()
    if sps["poc_type"] == 0:
        sps["log2_max_poc_lsb"] = b.ue() + 4
    elif sps["poc_type"] == 1:
        sps["delta_pic_order_always_zero"] = b.u(1)
        b.se()
        b.se()
        for _ in range(b.ue()):
            b.se()
    sps["max_num_ref_frames"] = b.ue()
    b.u(1)
    b.ue()
    b.ue()
    sps["frame_mbs_only"] = b.u(1)
    return sps_id, sps


def parse_pps(r):
    b = Bits(r)
    pps_id = b.ue()
    pps = {"sps_id": b.ue()}
    b.u(1)
    pps["bottom_field_pic_order"] = b.u(1)
    if b.ue() != 0:
        raise ValueError("slice groups are not handled")
    b.ue()
    b.ue()
    b.u(1)
    b.u(2)
    b.se()
    b.se()
    b.se()
    b.u(1)
    b.u(1)
    pps["redundant_pic_cnt_present"] = b.u(1)
    return pps_id, pps


def ltr_bit(r, spss, ppss):
    """Bit offset of long_term_reference_flag in an IDR slice's RBSP."""
    b = Bits(r)
    b.ue()
    if b.ue() % 5 not in (2, 4):
        raise ValueError("IDR slice that is not I/SI")
    pps = ppss[b.ue()]
    sps = spss[pps["sps_id"]]
    if sps["separate_colour_plane"]:
        b.u(2)
    b.u(sps["log2_max_frame_num"])
    field = 0
    if not sps["frame_mbs_only"]:
        field = b.u(1)
        if field:
            b.u(1)
    b.ue()  # idr_pic_id
    if sps["poc_type"] == 0:
        b.u(sps["log2_max_poc_lsb"])
        if pps["bottom_field_pic_order"] and not field:
            b.se()
    elif sps["poc_type"] == 1 and not sps["delta_pic_order_always_zero"]:
        b.se()
        if pps["bottom_field_pic_order"] and not field:
            b.se()
    if pps["redundant_pic_cnt_present"]:
        b.ue()
    b.u(1)  # no_output_of_prior_pics_flag
    return b.pos


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: h264-ltr.py IN OUT")
    data = open(sys.argv[1], "rb").read()
    spss, ppss = {}, {}
    out = bytearray()
    marked = 0
    for start, nal in split_nals(data):
        t = nal[0] & 0x1F
        if t in (7, 8, 5):
            r = unescape(nal[1:])
            if t == 7:
                k, v = parse_sps(r)
                if v["max_num_ref_frames"] < 2:
                    raise ValueError("max_num_ref_frames < 2: no room for a short-term picture")
                spss[k] = v
            elif t == 8:
                k, v = parse_pps(r)
                ppss[k] = v
            else:
                pos = ltr_bit(r, spss, ppss)
                if r[pos >> 3] & (0x80 >> (pos & 7)):
                    raise ValueError("IDR already long-term")
                r[pos >> 3] |= 0x80 >> (pos & 7)
                nal = nal[:1] + bytes(escape(r))
                marked += 1
        out += start + nal
    if not marked:
        raise ValueError("no IDR slice")
    open(sys.argv[2], "wb").write(out)


if __name__ == "__main__":
    main()
