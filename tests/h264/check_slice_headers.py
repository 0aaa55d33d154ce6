#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cross-check the driver's H.264 slice-header parser against ffmpeg's trace_headers.

usage: check_slice_headers.py SLICE_DUMP STREAM.264... [--x264 TMPDIR]
Each slice NAL of each stream is parsed by SLICE_DUMP (with SPS/PPS values taken from the trace)
and every recovered field and bit size is compared with the trace. --x264 also encodes clips with
libx264 (B-frames, CABAC, weighted prediction, multiple slices, MBAFF, baseline POC type 2).
"""
import os
import re
import subprocess
import sys

ELEM = re.compile(r'^\[trace_headers @ [^\]]+\] (\d+)\s+(\S+)\s+([01]+) = (-?\d+)\s*$')
TITLE = re.compile(r'^\[trace_headers @ [^\]]+\] ([A-Za-z].*?)\s*$')


def trace(path):
    """List of (title, [(pos, name, nbits, value)]) for NAL units inside packets."""
    out = subprocess.run(['ffmpeg', '-hide_banner', '-nostdin', '-i', path, '-c', 'copy',
                          '-bsf:v', 'trace_headers', '-f', 'null', '-'],
                         capture_output=True, text=True, check=True).stderr
    units, cur, in_packets = [], None, False
    for line in out.splitlines():
        # progress lines can prefix the trace line
        i = line.find('[trace_headers @')
        if i < 0:
            continue
        line = line[i:]
        m = ELEM.match(line)
        if m:
            if cur is not None:
                cur[1].append((int(m[1]), m[2], len(m[3]), int(m[4])))
            continue
        m = TITLE.match(line)
        if not m:
            continue
        title = m[1]
        if title.startswith('Packet:'):
            in_packets = True
            cur = None
        elif in_packets:
            cur = (title, [])
            units.append(cur)
    return units


def nals(path):
    data = open(path, 'rb').read()
    starts = [m.end() for m in re.finditer(b'\x00\x00\x01', data)]
    res = []
    for k, s in enumerate(starts):
        e = starts[k + 1] - 3 if k + 1 < len(starts) else len(data)
        res.append(data[s:e].rstrip(b'\x00'))  # trailing_zero_8bits / next 4-byte start code
    return res


def fields(elems):
    d = {}
    for pos, name, nbits, val in elems:
        d.setdefault(name, val)
    return d


def expected(elems):
    f = fields(elems)
    names = [e[1] for e in elems]
    pos = {e[1]: e[0] for e in elems}
    exp = {k: f.get(k, 0) for k in (
        'nal_ref_idc', 'nal_unit_type', 'first_mb_in_slice', 'pic_parameter_set_id',
        'colour_plane_id', 'frame_num', 'field_pic_flag', 'bottom_field_flag', 'idr_pic_id',
        'pic_order_cnt_lsb', 'delta_pic_order_cnt_bottom', 'delta_pic_order_cnt[0]',
        'delta_pic_order_cnt[1]', 'redundant_pic_cnt', 'direct_spatial_mv_pred_flag',
        'num_ref_idx_active_override_flag', 'luma_log2_weight_denom',
        'chroma_log2_weight_denom', 'long_term_reference_flag',
        'adaptive_ref_pic_marking_mode_flag', 'cabac_init_idc', 'slice_qp_delta',
        'sp_for_switch_flag', 'slice_qs_delta', 'disable_deblocking_filter_idc',
        'slice_alpha_c0_offset_div2', 'slice_beta_offset_div2', 'slice_group_change_cycle')}
    exp['slice_type'] = f['slice_type'] % 5
    if f.get('num_ref_idx_active_override_flag'):
        exp['num_ref_idx_l0_active_minus1'] = f['num_ref_idx_l0_active_minus1']
        if 'num_ref_idx_l1_active_minus1' in f:
            exp['num_ref_idx_l1_active_minus1'] = f['num_ref_idx_l1_active_minus1']
    poc = [e for e in elems if e[1] in ('pic_order_cnt_lsb', 'delta_pic_order_cnt_bottom',
                                         'delta_pic_order_cnt[0]', 'delta_pic_order_cnt[1]')]
    exp['pic_order_cnt_bit_size'] = (poc[-1][0] + poc[-1][2] - poc[0][0]) if poc else 0
    start = next((e[0] for e in elems if e[1] in ('no_output_of_prior_pics_flag',
                                                   'adaptive_ref_pic_marking_mode_flag')), None)
    if start is None:
        exp['dec_ref_pic_marking_bit_size'] = 0
    else:
        end = pos['cabac_init_idc'] if 'cabac_init_idc' in pos else pos['slice_qp_delta']
        exp['dec_ref_pic_marking_bit_size'] = end - start
    # cabac_alignment_one_bit belongs to slice_data(), not to the header
    last = [e for e in elems if e[1] != 'cabac_alignment_one_bit'][-1]
    exp['header_bit_size'] = last[0] + last[2]
    return exp


def ps_line(sps, pps):
    chroma = sps.get('chroma_format_idc', 1)
    w = sps['pic_width_in_mbs_minus1'] + 1
    h = sps['pic_height_in_map_units_minus1'] + 1
    vals = [chroma, sps.get('separate_colour_plane_flag', 0), sps['log2_max_frame_num_minus4'],
            sps['frame_mbs_only_flag'], sps['pic_order_cnt_type'],
            sps.get('log2_max_pic_order_cnt_lsb_minus4', 0),
            sps.get('delta_pic_order_always_zero_flag', 0),
            pps['bottom_field_pic_order_in_frame_present_flag'],
            pps['redundant_pic_cnt_present_flag'], pps['weighted_pred_flag'],
            pps['weighted_bipred_idc'], pps['entropy_coding_mode_flag'],
            pps['deblocking_filter_control_present_flag'],
            pps['num_ref_idx_l0_default_active_minus1'],
            pps['num_ref_idx_l1_default_active_minus1'], pps['num_slice_groups_minus1'],
            pps.get('slice_group_map_type', 0), pps.get('slice_group_change_rate_minus1', 0),
            w * h, 0]
    return ' '.join(str(v) for v in vals)


def check(dump, path):
    units = trace(path)
    raw = [n for n in nals(path) if n and (n[0] & 0x1f) in (1, 5)]
    slices = [u for u in units if u[0] == 'Slice Header']
    if len(raw) != len(slices) or not slices:
        print(f'{path}: {len(raw)} slice NALs in file, {len(slices)} in trace')
        return 1
    sps, pps, lines, exps = {}, {}, [], []
    si = 0
    for title, elems in units:
        f = fields(elems)
        if title == 'Sequence Parameter Set':
            sps[f['seq_parameter_set_id']] = f
        elif title == 'Picture Parameter Set':
            pps[f['pic_parameter_set_id']] = f
        elif title == 'Slice Header':
            p = pps[f['pic_parameter_set_id']]
            lines.append(ps_line(sps[p['seq_parameter_set_id']], p) + ' ' + raw[si].hex())
            exps.append(expected(elems))
            si += 1
    res = subprocess.run([dump], input='\n'.join(lines) + '\n', capture_output=True, text=True,
                         check=True).stdout.splitlines()
    bad = 0
    for k, (line, exp) in enumerate(zip(res, exps)):
        if line == 'error':
            got = {}
        else:
            got = dict((kv.split('=')[0], int(kv.split('=')[1])) for kv in line.split())
        diff = {n: (got.get(n), v) for n, v in exp.items() if got.get(n) != v}
        if diff:
            bad += 1
            if bad <= 5:
                print(f'{path}: slice {k}: (got, trace) {diff}')
    print(f'{os.path.basename(path)}: {len(exps)} slices, {bad} mismatches')
    return 1 if bad or len(res) != len(exps) else 0


def x264_clips(tmp):
    base = ['ffmpeg', '-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-f', 'lavfi',
            '-i', 'testsrc=size=352x288:rate=25', '-frames:v', '30', '-pix_fmt', 'yuv420p', '-c:v', 'libx264']
    clips = {
        'x264_bframes_cabac_wp.264': ['-bf', '3', '-coder', 'cabac', '-x264-params',
                                      'weightp=2:weightb=1:b-pyramid=normal:slices=3:ref=4'],
        'x264_mbaff.264': ['-bf', '2', '-flags', '+ildct', '-x264-params', 'tff=1:weightb=1'],
        'x264_baseline.264': ['-profile:v', 'baseline', '-x264-params', 'slices=2'],
    }
    out = []
    for name, args in clips.items():
        path = os.path.join(tmp, name)
        subprocess.run(base + args + ['-f', 'h264', path], check=True)
        out.append(path)
    return out


def main():
    args = sys.argv[1:]
    dump = args.pop(0)
    streams = []
    while args:
        a = args.pop(0)
        if a == '--x264':
            tmp = args.pop(0)
            os.makedirs(tmp, exist_ok=True)
            streams += x264_clips(tmp)
        else:
            streams.append(a)
    rc = 0
    for s in streams:
        rc |= check(dump, s)
    return rc


if __name__ == '__main__':
    sys.exit(main())
