#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Decodes conformance streams through the driver on the emulated device with a real client and
# checks, per stream: the output MD5 equals the manifest (reference decoder) MD5, every frame went
# through the device (emulator statistics), no emulator violation, nothing printed on stderr.
#
#   conformance.sh DEVICES MODE [STREAM...]
#     DEVICES  emulated devices, e.g. hantro-g1 or cedrus:layout=nv12
#     MODE     copy       ffmpeg -hwaccel vaapi (ffmpeg downloads the frames itself)
#              hwdownload ffmpeg -hwaccel_output_format vaapi -vf hwdownload
#              export     vaExportSurfaceHandle (DRM PRIME 2) mapped by tests' va-export client
#              mpv        mpv --hwdec=vaapi-copy (frame count and stats only)
#     STREAM   names from h264/MANIFEST.tsv (default: all)
source "$(dirname "$0")/lib.sh"

devices=$1
mode=$2
shift 2
manifest="$V4L2R_CONFORMANCE/h264/MANIFEST.tsv"
[ -f "$manifest" ] || die "conformance manifest missing: $manifest"

start_xvfb

decode() { # in out
	local in=$1 out=$2
	case $mode in
	copy)
		emu_run "$devices" ffmpeg -nostdin -v error -init_hw_device "vaapi=va:$DISPLAY" \
			-hwaccel vaapi -hwaccel_device va -hwaccel_flags allow_profile_mismatch \
			-i "$in" -f rawvideo -pix_fmt yuv420p -y "$out" ;;
	hwdownload)
		emu_run "$devices" ffmpeg -nostdin -v error -init_hw_device "vaapi=va:$DISPLAY" \
			-hwaccel vaapi -hwaccel_device va -hwaccel_output_format vaapi \
			-hwaccel_flags allow_profile_mismatch \
			-i "$in" -vf hwdownload,format=nv12 -f rawvideo -pix_fmt yuv420p -y "$out" ;;
	export)
		emu_run "$devices" "$V4L2R_BUILD/tests/integration/va-export" "$in" "$out" ;;
	mpv)
		emu_run "$devices" mpv --no-config --really-quiet --hwdec=vaapi-copy \
			--hwdec-codecs=all --vo=null --ao=null --untimed "$in" && : >"$out" ;;
	*) die "unknown mode $mode" ;;
	esac
}

pass=0
fail=0
printf '%-16s %-10s %s\n' stream result detail
while IFS=$'\t' read -r name file fmt md5; do
	case $name in '#'* | '') continue ;; esac
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
	in="$V4L2R_CONFORMANCE/h264/$file"
	out="$TMP/out.yuv"
	reset_emu_files
	rm -f "$out"
	rc=0
	decode "$in" "$out" 2>"$TMP/stderr" || rc=$?
	IFS=, read -r w h < <(ffprobe -v error -select_streams v -show_entries stream=width,height \
		-of csv=p=0 "$in")
	frames_out=$(($(stat -c %s "$out" 2>/dev/null || echo 0) / (w * h * 3 / 2)))
	got=$(md5sum <"$out" | cut -d' ' -f1)
	dev_frames=$(stats_sum frames)
	dev_errors=$(stats_sum errors)
	viol=0
	[ -f "$TMP/violations" ] && viol=$(wc -l <"$TMP/violations")
	errs=$(wc -l <"$TMP/stderr")
	why=""
	[ $rc -eq 0 ] || why+=" exit=$rc"
	if [ "$mode" = mpv ]; then
		want_frames=$(sw_frames "$in")
		[ "$dev_frames" -eq "$want_frames" ] || why+=" device-frames=$dev_frames/$want_frames"
	else
		[ "$got" = "$md5" ] || why+=" md5=$got"
		[ "$dev_frames" -eq "$frames_out" ] && [ "$frames_out" -gt 0 ] ||
			why+=" device-frames=$dev_frames/$frames_out"
	fi
	[ "$dev_errors" -eq 0 ] || why+=" device-errors=$dev_errors"
	[ "$viol" -eq 0 ] || why+=" violations=$viol"
	[ "$errs" -eq 0 ] || why+=" stderr-lines=$errs"
	if [ -z "$why" ]; then
		pass=$((pass + 1))
		printf '%-16s %-10s frames=%d\n' "$name" pass "$dev_frames"
	else
		fail=$((fail + 1))
		printf '%-16s %-10s%s\n' "$name" FAIL "$why"
		head -n 5 "$TMP/stderr" | sed 's/^/    stderr: /'
		[ ! -f "$TMP/violations" ] || head -n 3 "$TMP/violations" | sed "s/^/    violation: /"
	fi
done <"$manifest"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
