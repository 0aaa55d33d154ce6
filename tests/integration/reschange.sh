#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A stream whose resolution changes twice (320x240 -> 640x360 -> 320x240, B-frames): ffmpeg
# destroys the context and creates a new one while it still holds frames of the old one, so
# surfaces must keep their pictures after their context is gone. Every frame must equal software
# decoding and go through the device, on each emulated profile.
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

pass=0
fail=0
for dev in hantro-g1 rkvdec cedrus rkvdec:layout=nv12_4l4; do
	reset_emu_files
	rc=0
	emu_run "$dev" ffmpeg -nostdin -v error -init_hw_device "vaapi=va:$DISPLAY" -hwaccel vaapi \
		-hwaccel_device va -i "$TMP/clip.h264" -pix_fmt yuv420p -f framemd5 - \
		2>"$TMP/stderr" >"$TMP/hw.md5" || rc=$?
	{ grep -v '^#' "$TMP/hw.md5" || true; } | awk -F, '{print $NF}' >"$TMP/hw"
	why=""
	[ $rc -eq 0 ] || why+=" exit=$rc"
	cmp -s "$TMP/hw" "$TMP/sw" || why+=" frames-differ($(wc -l <"$TMP/hw") frames)"
	[ "$(stats_sum frames)" -eq 60 ] || why+=" device-frames=$(stats_sum frames)/60"
	[ "$(stats_sum errors)" -eq 0 ] || why+=" device-errors=$(stats_sum errors)"
	[ ! -s "$TMP/violations" ] || why+=" violations=$(wc -l <"$TMP/violations")"
	[ ! -s "$TMP/stderr" ] || why+=" stderr-lines=$(wc -l <"$TMP/stderr")"
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		echo "ok: $dev"
	else
		fail=$((fail + 1))
		echo "FAIL: $dev:$why"
		head -n 3 "$TMP/stderr" | sed 's/^/    stderr: /'
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
