#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The generated MPEG-2 corpus (tests/conformance/gen-mpeg2.sh: ffmpeg's mpeg2video encoder, and
# mpeg2-fields.py for what that encoder never emits: field pictures, differing f_codes; made at
# test time, never committed) through ffmpeg -hwaccel vaapi + the driver on the emulated device,
# frame by frame against ffmpeg's software decode. Per clip: every frame's MD5 equal (-f framemd5), every frame went
# through the device (emulator statistics; two device pictures per frame of field pictures), no
# device error, no emulator violation, nothing on stderr.
#
#   conformance-mpeg2.sh DEVICES [MODE] [CLIP...]
#     DEVICES  emulated devices, e.g. hantro-g1 or cedrus:api=single
#     MODE     copy (default): ffmpeg downloads the frames itself
#              hwdownload: -hwaccel_output_format vaapi -vf hwdownload
#     CLIP     names from the corpus of gen-mpeg2.sh (default: all)
source "$(dirname "$0")/lib.sh"

devices=${1:?devices}
mode=${2:-copy}
shift $(($# >= 2 ? 2 : 1))
command -v ffmpeg >/dev/null || die "ffmpeg not installed"

gen="$(dirname "$0")/../conformance/gen-mpeg2.sh"
"$gen" "$TMP/corpus" "$@" || die "corpus generation failed"
[ -s "$TMP/corpus/mpeg2.tsv" ] || die "no clip selected"

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
while IFS=$'\t' read -r name file _ _ want_frames want_dev _; do
	clip="$TMP/corpus/$file"
	cp "$TMP/corpus/$name.framemd5" "$TMP/sw.md5"
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
done <"$TMP/corpus/mpeg2.tsv"
echo "$pass passed, $fail failed"
[ $((pass + fail)) -gt 0 ] || die "no clip ran"
[ "$fail" -eq 0 ]
