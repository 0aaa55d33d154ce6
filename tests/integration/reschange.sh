#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A stream whose resolution changes twice (320x240 -> 640x360 -> 320x240, B-frames): ffmpeg
# destroys the context and creates a new one while it still holds frames of the old one, so
# surfaces must keep their pictures after their context is gone. Every frame must equal software
# decoding and go through the device, on each emulated profile. The same for the VP8 test vector
# whose key frames change size (352x288 <-> 282x231) on the VP8 profiles. Every device instance
# frees every buffer it allocated before it is closed (emulator stats: buffers_allocated ==
# buffers_freed), so no CAPTURE/OUTPUT buffer leaks across the changes.
source "$(dirname "$0")/lib.sh"
start_xvfb

for s in 320x240 640x360; do
	ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=$s:rate=25" -frames:v 20 \
		-c:v libx264 -bf 2 -pix_fmt yuv420p "$TMP/$s.h264" || die "cannot encode a clip (libx264)"
done
cat "$TMP/320x240.h264" "$TMP/640x360.h264" "$TMP/320x240.h264" >"$TMP/clip.h264"
ffmpeg -nostdin -v error -i "$TMP/clip.h264" -pix_fmt yuv420p -f framemd5 - |
	grep -v '^#' | awk -F, '{print $NF}' >"$TMP/sw"
[ "$(wc -l <"$TMP/sw")" -eq 60 ] || die "software decoding gave $(wc -l <"$TMP/sw") frames"

vp8="$V4L2R_CONFORMANCE/vp8/vp80-03-segmentation-1436.ivf"
[ -f "$vp8" ] || die "missing $vp8"
ffmpeg -nostdin -v error -i "$vp8" -pix_fmt yuv420p -f framemd5 - |
	grep -v '^#' | awk -F, '{print $NF}' >"$TMP/vp8-sw"
vp8_frames=$(wc -l <"$TMP/vp8-sw")
sizes=$(ffprobe -v error -show_entries frame=width,height -of csv=p=0 "$vp8" | sort -u | wc -l)
[ "$sizes" -eq 2 ] || die "$vp8 has $sizes frame sizes, want 2"

pass=0
fail=0
check() { # device input software-md5s frames
	local dev=$1 in=$2 sw=$3 frames=$4 rc=0 why="" leaks
	reset_emu_files
	emu_run "$dev" ffmpeg -nostdin -v error -init_hw_device "vaapi=va:$DISPLAY" -hwaccel vaapi \
		-hwaccel_device va -i "$in" -pix_fmt yuv420p -f framemd5 - \
		2>"$TMP/stderr" >"$TMP/hw.md5" || rc=$?
	{ grep -v '^#' "$TMP/hw.md5" || true; } | awk -F, '{print $NF}' >"$TMP/hw"
	[ $rc -eq 0 ] || why+=" exit=$rc"
	cmp -s "$TMP/hw" "$sw" || why+=" frames-differ($(wc -l <"$TMP/hw") frames)"
	[ "$(stats_sum frames)" -eq "$frames" ] || why+=" device-frames=$(stats_sum frames)/$frames"
	[ "$(stats_sum errors)" -eq 0 ] || why+=" device-errors=$(stats_sum errors)"
	# Per device instance: buffers allocated == buffers freed (a missing key counts as a leak).
	leaks=$(awk '{
		a = -1; f = -2
		if (match($0, /"buffers_allocated":[0-9]+/)) a = substr($0, RSTART + 20, RLENGTH - 20) + 0
		if (match($0, /"buffers_freed":[0-9]+/)) f = substr($0, RSTART + 16, RLENGTH - 16) + 0
		if (a != f) n++
	} END { print n + 0 }' "$TMP/stats" 2>/dev/null || echo 1)
	[ "$leaks" -eq 0 ] || why+=" instances-leaking-buffers=$leaks"
	[ "$(stats_sum buffers_allocated)" -gt 0 ] || why+=" no-buffer-stats"
	[ ! -s "$TMP/violations" ] || why+=" violations=$(wc -l <"$TMP/violations")"
	[ ! -s "$TMP/stderr" ] || why+=" stderr-lines=$(wc -l <"$TMP/stderr")"
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		echo "ok: $dev $(basename "$in"): $frames frames, $(stats_sum buffers_allocated) buffers allocated and freed"
	else
		fail=$((fail + 1))
		echo "FAIL: $dev $(basename "$in"):$why"
		head -n 3 "$TMP/stderr" | sed 's/^/    stderr: /'
	fi
}
for dev in hantro-g1 rkvdec cedrus rkvdec:layout=nv12_4l4; do
	check "$dev" "$TMP/clip.h264" "$TMP/sw" 60
done
for dev in hantro-g1 cedrus cedrus:api=single; do
	check "$dev" "$vp8" "$TMP/vp8-sw" "$vp8_frames"
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
