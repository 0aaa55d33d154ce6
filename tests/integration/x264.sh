#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# High-profile tools the conformance set lacks, encoded with libx264 at test time (never
# committed): B-pyramids, weighted prediction, 8x8 transform + custom scaling matrices, several
# slices per picture, MBAFF interlacing, CAVLC with temporal direct. Each clip is decoded through
# the driver on each emulated profile and must equal software decoding frame by frame, with every
# frame through the device, no violation and nothing on stderr.
source "$(dirname "$0")/lib.sh"
start_xvfb

clips=(
	"high-b-wp-cqm-slices 320x184 bframes=3:b-pyramid=normal:ref=4:weightp=2:weightb=1:cqm=jvt:8x8dct=1:slices=3:keyint=30:scenecut=0"
	"mbaff-b 320x240 interlaced=1:bframes=2:ref=3:keyint=25"
	"cavlc-b-temporal 320x240 cabac=0:bframes=2:direct=temporal:weightb=0:b-pyramid=none:ref=2"
	"main-cabac-ref5 352x288 bframes=0:ref=5:weightp=1:keyint=20"
)
devices=(hantro-g1 rkvdec cedrus cedrus:api=single)

pass=0
fail=0
for c in "${clips[@]}"; do
	read -r name size params <<<"$c"
	ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=$size:rate=25:d=2" -c:v libx264 \
		-profile:v high -x264-params "$params" -pix_fmt yuv420p "$TMP/$name.h264" ||
		die "cannot encode $name (libx264)"
	ffmpeg -nostdin -v error -i "$TMP/$name.h264" -pix_fmt yuv420p -f framemd5 - |
		grep -v '^#' | awk -F, '{print $NF}' >"$TMP/sw"
	n=$(wc -l <"$TMP/sw")
	for dev in "${devices[@]}"; do
		reset_emu_files
		rc=0
		emu_run "$dev" ffmpeg -nostdin -v error -init_hw_device "vaapi=va:$DISPLAY" \
			-hwaccel vaapi -hwaccel_device va -hwaccel_flags allow_profile_mismatch \
			-i "$TMP/$name.h264" -pix_fmt yuv420p -f framemd5 - \
			2>"$TMP/stderr" >"$TMP/hw.md5" || rc=$?
		{ grep -v '^#' "$TMP/hw.md5" || true; } | awk -F, '{print $NF}' >"$TMP/hw"
		why=""
		[ $rc -eq 0 ] || why+=" exit=$rc"
		cmp -s "$TMP/hw" "$TMP/sw" ||
			why+=" frames-differ($(cmp "$TMP/hw" "$TMP/sw" 2>&1 | grep -o 'line [0-9]*' || echo "$(wc -l <"$TMP/hw") frames"))"
		[ "$(stats_sum frames)" -eq "$n" ] || why+=" device-frames=$(stats_sum frames)/$n"
		[ "$(stats_sum errors)" -eq 0 ] || why+=" device-errors=$(stats_sum errors)"
		[ ! -s "$TMP/violations" ] || why+=" violations=$(wc -l <"$TMP/violations")"
		[ ! -s "$TMP/stderr" ] || why+=" stderr-lines=$(wc -l <"$TMP/stderr")"
		if [ -z "$why" ]; then
			pass=$((pass + 1))
			printf '%-22s %-10s pass frames=%d\n' "$name" "$dev" "$n"
		else
			fail=$((fail + 1))
			printf '%-22s %-10s FAIL%s\n' "$name" "$dev" "$why"
			[ ! -s "$TMP/violations" ] || head -n 3 "$TMP/violations" | sed 's/^/    violation: /'
			head -n 3 "$TMP/stderr" | sed 's/^/    stderr: /'
		fi
	done
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
