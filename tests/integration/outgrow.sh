#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# OUTPUT buffers sized for compressed frames, with growth: the driver starts its OUTPUT slots at a
# quarter of the raw picture (at least 256 KiB) and gives a frame that does not fit a larger
# buffer (VIDIOC_CREATE_BUFS while streaming). Each clip, made at test time (never committed), has
# four small frames, then noise frames of 360..490 KB (640x480: the slots start at 256 KiB):
# H.264 (libx264, High, QP 1) on hantro-g1, rkvdec and cedrus (slice-based), MPEG-2 and VP8 on
# hantro-g1 and cedrus. Each must decode equal to software decoding frame by frame, every frame
# through the device, with OUTPUT buffers created by CREATE_BUFS (no more than 24: the growth is
# bounded), every buffer allocated freed again, no violation and nothing on stderr (a failed
# vaEndPicture prints).
source "$(dirname "$0")/lib.sh"
start_xvfb

src="nullsrc=s=640x480:r=25:d=0.4,geq=lum='if(gte(N\,4)\,random(1)*255\,128+N)'"
src+=":cb='if(gte(N\,4)\,random(2)*255\,128)':cr=128"
clips=(
	"h264 -c:v libx264 -profile:v high -qp 1 -g 10 -bf 0 -pix_fmt yuv420p -f h264"
	"m2v -c:v mpeg2video -q:v 1 -g 10 -bf 0 -f mpeg2video"
	"ivf -c:v libvpx -qmin 0 -qmax 0 -b:v 100M -g 10 -f ivf"
)
pass=0
fail=0
for c in "${clips[@]}"; do
	read -r ext args <<<"$c"
	clip="$TMP/outgrow.$ext"
	# shellcheck disable=SC2086 # the encoder's arguments
	ffmpeg -nostdin -v error -y -f lavfi -i "$src" $args "$clip" || die "cannot encode $ext"
	big=$(ffprobe -v error -show_entries packet=size -of csv=p=0 "$clip" | sort -n | tail -n 1)
	[ "$big" -gt $((256 * 1024)) ] || die "$ext: largest frame $big bytes does not outgrow the slots"
	ffmpeg -nostdin -v error -i "$clip" -pix_fmt yuv420p -f framemd5 - |
		grep -v '^#' | awk -F, '{print $NF}' >"$TMP/sw"
	n=$(wc -l <"$TMP/sw")
	[ "$n" -eq 10 ] || die "$ext: software decode gives $n frames (want 10)"
	devices=(hantro-g1 cedrus)
	[ "$ext" != h264 ] || devices+=(rkvdec)
	for dev in "${devices[@]}"; do
		reset_emu_files
		rc=0
		emu_run "$dev" ffmpeg -nostdin -v error -init_hw_device "vaapi=va:$DISPLAY" \
			-hwaccel vaapi -hwaccel_device va -i "$clip" -pix_fmt yuv420p -f framemd5 - \
			2>"$TMP/stderr" >"$TMP/hw.md5" || rc=$?
		{ grep -v '^#' "$TMP/hw.md5" || true; } | awk -F, '{print $NF}' >"$TMP/hw"
		why=""
		[ $rc -eq 0 ] || why+=" exit=$rc"
		cmp -s "$TMP/hw" "$TMP/sw" || why+=" frames-differ($(wc -l <"$TMP/hw")/$n)"
		[ "$(stats_sum frames)" -eq "$n" ] || why+=" device-frames=$(stats_sum frames)/$n"
		[ "$(stats_sum errors)" -eq 0 ] || why+=" device-errors=$(stats_sum errors)"
		created=$(stats_sum output_created)
		[ "$created" -ge 1 ] && [ "$created" -le 24 ] || why+=" output-created=$created"
		alloc=$(stats_sum buffers_allocated)
		freed=$(stats_sum buffers_freed)
		[ "$alloc" -eq "$freed" ] || why+=" buffers allocated=$alloc freed=$freed"
		[ ! -s "$TMP/violations" ] || why+=" violations=$(wc -l <"$TMP/violations")"
		[ ! -s "$TMP/stderr" ] || why+=" stderr-lines=$(wc -l <"$TMP/stderr")"
		if [ -z "$why" ]; then
			pass=$((pass + 1))
			printf '%-5s %-10s pass frames=%d largest=%d output-created=%d buffers=%d\n' \
				"$ext" "$dev" "$n" "$big" "$created" "$alloc"
		else
			fail=$((fail + 1))
			printf '%-5s %-10s FAIL%s\n' "$ext" "$dev" "$why"
			[ ! -s "$TMP/violations" ] || head -n 3 "$TMP/violations" | sed 's/^/    violation: /'
			head -n 3 "$TMP/stderr" | sed 's/^/    stderr: /'
		fi
	done
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
