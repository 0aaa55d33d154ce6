#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A generated MPEG-2 corpus (ffmpeg's mpeg2video encoder, and mpeg2-fields.py for what that
# encoder never emits: field pictures, differing f_codes; made at test time, never committed)
# through ffmpeg -hwaccel vaapi + the driver on the emulated device, frame by frame against
# ffmpeg's software decode. Per clip: every frame's MD5 equal (-f framemd5), every frame went
# through the device (emulator statistics; two device pictures per frame of field pictures), no
# device error, no emulator violation, nothing on stderr.
#
#   conformance-mpeg2.sh DEVICES [MODE] [CLIP...]
#     DEVICES  emulated devices, e.g. hantro-g1 or cedrus:api=single
#     MODE     copy (default): ffmpeg downloads the frames itself
#              hwdownload: -hwaccel_output_format vaapi -vf hwdownload
#     CLIP     names from the corpus below (default: all)
source "$(dirname "$0")/lib.sh"

devices=${1:?devices}
mode=${2:-copy}
shift $(($# >= 2 ? 2 : 1))
command -v ffmpeg >/dev/null || die "ffmpeg not installed"

M1=8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,38,40,42,44,46,48,50,52,54,56,58,60,62,64,66,68,70
M1=$M1,17,19,21,23,25,27,29,31,33,35,37,39,41,43,45,47,49,51,53,55,57,59,61,63,65,67,69,71,73,75,77,79
M2=60,58,56,54,52,50,48,46,44,42,40,38,36,34,32,30,28,26,24,22,20,18,16,17,19,21,23,25,27,29,31,33
M2=$M2,35,37,39,41,43,45,47,49,51,53,55,57,59,61,63,65,67,69,71,73,75,77,79,81,83,85,87,89,91,93,95,97
# name | size | seconds | encoder options. Each clip is one tool (or a combination of them).
corpus() {
	cat <<EOF
simple-ip|352x288|1|-profile:v 5 -bf 0 -g 12
main-ipb|352x288|2|-bf 2 -g 12
main-b3-closed-gop|352x288|1|-bf 3 -g 9 -flags +cgop -sc_threshold 1000000000
interlaced-tff|352x288|1|-flags +ilme+ildct -top 1 -bf 2 -g 12
interlaced-bff-altscan|352x288|1|-flags +ilme+ildct -top 0 -bf 2 -alternate_scan 1
custom-matrices|352x288|1|-bf 2 -intra_matrix $M1 -inter_matrix $M2
intravlc-nonlinear-dc10|352x288|1|-bf 2 -intra_vlc 1 -non_linear_quant 1 -qmax 28 -dc 10
odd-352x290-interlaced|352x290|1|-flags +ilme+ildct -top 1 -bf 2
odd-202x118|202x118|1|-bf 2 -g 8
fields-tff|176x96|0.48|@build
fields-bff-odd|170x90|0.48|@build --bff --seed 2
fields-fcode|176x96|0.4|@build --fcode 3,1,2,4 --bframes 1 --gop 4 --seed 3
frames-fcode|176x96|0.4|@build --frames-only --fcode 1,3,4,2 --seed 4
EOF
}

start_xvfb

decode() { # in out
	local in=$1 out=$2
	case $mode in
	copy)
		emu_run "$devices" ffmpeg -nostdin -v error -init_hw_device "vaapi=va:$DISPLAY" \
			-hwaccel vaapi -hwaccel_device va -i "$in" -pix_fmt yuv420p -f framemd5 \
			-y "$out" ;;
	hwdownload)
		emu_run "$devices" ffmpeg -nostdin -v error -init_hw_device "vaapi=va:$DISPLAY" \
			-hwaccel vaapi -hwaccel_device va -hwaccel_output_format vaapi -i "$in" \
			-vf hwdownload,format=nv12 -pix_fmt yuv420p -f framemd5 -y "$out" ;;
	*) die "unknown mode $mode" ;;
	esac
}

md5s() { awk -F, '!/^#/ {gsub(/ /, "", $NF); print $NF}' "$1"; }

pass=0
fail=0
printf '%-26s %-8s %s\n' clip result detail
while IFS='|' read -r name size secs opts; do
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
	clip="$TMP/$name.m2v"
	if [ "${opts%% *}" = @build ]; then
		# mpeg2-fields.py: raw frames in; its stream must decode in software without a
		# message and close to the source (the stream means what the builder meant).
		ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=$size:rate=25:d=$secs" \
			-pix_fmt yuv420p -f rawvideo -y "$TMP/src.yuv" || die "$name: no source"
		# shellcheck disable=SC2086 # opts are words
		python3 "$(dirname "$0")/mpeg2-fields.py" ${opts#@build} "$size" "$TMP/src.yuv" \
			"$clip" || die "$name: builder failed"
		ffmpeg -nostdin -v error -i "$clip" -pix_fmt yuv420p -f rawvideo -y "$TMP/dec.yuv"
		psnr=$(ffmpeg -nostdin -v info -f rawvideo -s "$size" -pix_fmt yuv420p \
			-i "$TMP/dec.yuv" -f rawvideo -s "$size" -pix_fmt yuv420p -i "$TMP/src.yuv" \
			-lavfi psnr -f null - 2>&1 >/dev/null |
			sed -n 's/.*PSNR.* min:\([0-9.]*\).*/\1/p')
		awk -v p="${psnr:-0}" 'BEGIN { exit !(p > 35) }' ||
			die "$name: software decode of the built stream is not the source (PSNR ${psnr:-?})"
	else
		# shellcheck disable=SC2086 # opts are words
		ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=$size:rate=25:d=$secs" \
			-c:v mpeg2video -q:v 5 $opts -y "$clip" || die "$name: encoder failed"
	fi
	ffmpeg -nostdin -v error -i "$clip" -pix_fmt yuv420p -f framemd5 -y "$TMP/sw.md5" \
		2>"$TMP/sw.err" || die "$name: software decode failed"
	[ ! -s "$TMP/sw.err" ] || die "$name: software decode: $(head -n 1 "$TMP/sw.err")"
	want_frames=$(md5s "$TMP/sw.md5" | wc -l)
	[ "$want_frames" -gt 0 ] || die "$name: no frames in the software decode"
	reset_emu_files
	rm -f "$TMP/hw.md5"
	rc=0
	decode "$clip" "$TMP/hw.md5" 2>"$TMP/stderr" || rc=$?
	touch "$TMP/hw.md5"
	dev_frames=$(stats_sum frames)
	dev_errors=$(stats_sum errors)
	viol=0
	[ -f "$TMP/violations" ] && viol=$(wc -l <"$TMP/violations")
	errs=$(wc -l <"$TMP/stderr")
	why=""
	[ $rc -eq 0 ] || why+=" exit=$rc"
	if ! diff -q <(md5s "$TMP/sw.md5") <(md5s "$TMP/hw.md5") >/dev/null; then
		first=$(diff <(md5s "$TMP/sw.md5") <(md5s "$TMP/hw.md5") | head -n 1 || true)
		why+=" frames-differ($(md5s "$TMP/hw.md5" | wc -l)/$want_frames, first $first)"
	fi
	want_dev=$want_frames # device pictures: one per frame, two per frame of field pictures
	[[ "$opts" != @build* || "$opts" == *--frames-only* ]] || want_dev=$((2 * want_frames))
	[ "$dev_frames" -eq "$want_dev" ] || why+=" device-frames=$dev_frames/$want_dev"
	[ "$dev_errors" -eq 0 ] || why+=" device-errors=$dev_errors"
	[ "$viol" -eq 0 ] || why+=" violations=$viol($(head -c 200 "$TMP/violations"))"
	[ "$errs" -eq 0 ] || why+=" stderr-lines=$errs($(head -n 1 "$TMP/stderr"))"
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		printf '%-26s %-8s frames=%d device=%d\n' "$name" pass "$want_frames" "$dev_frames"
	else
		fail=$((fail + 1))
		printf '%-26s %-8s%s\n' "$name" FAIL "$why"
	fi
done < <(corpus)
echo "$pass passed, $fail failed"
[ $((pass + fail)) -gt 0 ] || die "no clip ran"
[ "$fail" -eq 0 ]
