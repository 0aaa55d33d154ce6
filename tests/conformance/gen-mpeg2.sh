#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes the MPEG-2 corpus into DIR (a build or temporary directory; never committed): ffmpeg's
# mpeg2video encoder, and tests/integration/mpeg2-fields.py for what that encoder never emits
# (field pictures, differing f_codes). A built clip must decode in software without a message
# and close to its source (PSNR > 35 dB: the stream means what the builder meant).
#
#   gen-mpeg2.sh DIR [NAME...]
#
# Writes DIR/NAME.m2v, DIR/NAME.framemd5 (software decode) and DIR/mpeg2.tsv (name, file, width,
# height, frames, coded pictures, features). Fails when any clip cannot be made.
set -euo pipefail

dir=${1:?usage: gen-mpeg2.sh DIR [NAME...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
builder="$here/../integration/mpeg2-fields.py"
command -v ffmpeg >/dev/null || { echo "gen-mpeg2: ffmpeg not installed" >&2; exit 1; }
mkdir -p "$dir"

M1=8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,38,40,42,44,46,48,50,52,54,56,58,60,62,64,66,68,70
M1=$M1,17,19,21,23,25,27,29,31,33,35,37,39,41,43,45,47,49,51,53,55,57,59,61,63,65,67,69,71,73,75,77,79
M2=60,58,56,54,52,50,48,46,44,42,40,38,36,34,32,30,28,26,24,22,20,18,16,17,19,21,23,25,27,29,31,33
M2=$M2,35,37,39,41,43,45,47,49,51,53,55,57,59,61,63,65,67,69,71,73,75,77,79,81,83,85,87,89,91,93,95,97
# name | size | seconds | encoder options (@build: mpeg2-fields.py options) | features
corpus() {
	cat <<EOT
simple-ip|352x288|1|-profile:v 5 -bf 0 -g 12|Simple profile, I+P
main-ipb|352x288|2|-bf 2 -g 12|Main, IBBP
main-b3-closed-gop|352x288|1|-bf 3 -g 9 -flags +cgop -sc_threshold 1000000000|Main, 3 B frames, closed GOP
interlaced-tff|352x288|1|-flags +ilme+ildct -top 1 -bf 2 -g 12|interlaced frame pictures, top field first
interlaced-bff-altscan|352x288|1|-flags +ilme+ildct -top 0 -bf 2 -alternate_scan 1|interlaced frame pictures, bottom field first, alternate scan
custom-matrices|352x288|1|-bf 2 -intra_matrix $M1 -inter_matrix $M2|custom quantiser matrices
intravlc-nonlinear-dc10|352x288|1|-bf 2 -intra_vlc 1 -non_linear_quant 1 -qmax 28 -dc 10|intra VLC, non-linear quantiser, 10-bit DC
odd-352x290-interlaced|352x290|1|-flags +ilme+ildct -top 1 -bf 2|interlaced, odd height
odd-202x118|202x118|1|-bf 2 -g 8|odd size
fields-tff|176x96|0.48|@build|field pictures, top first: I/I, I/P, P/P, B/B pairs, field-select motion
fields-bff-odd|170x90|0.48|@build --bff --seed 2|field pictures, bottom first, odd size
fields-fcode|176x96|0.4|@build --fcode 3,1,2,4 --bframes 1 --gop 4 --seed 3|field pictures, four different f_codes
frames-fcode|176x96|0.4|@build --frames-only --fcode 1,3,4,2 --seed 4|frame pictures, four different f_codes
fields-first-ip|176x96|0.32|@build --first-ip --seed 5|field pictures starting with an I/P pair (its P field predicts from the I field only)
EOT
}

tsv="$dir/mpeg2.tsv.new"
: >"$tsv"
while IFS='|' read -r name size secs opts feat; do
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx -- "$name"; then continue; fi
	clip="$dir/$name.m2v"
	pics_per_frame=1
	if [ "${opts%% *}" = @build ]; then
		[[ "$opts" == *--frames-only* ]] || pics_per_frame=2 # a device picture per field
		ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=$size:rate=25:d=$secs" \
			-pix_fmt yuv420p -f rawvideo -y "$dir/$name.yuv"
		# shellcheck disable=SC2086 # options are words
		python3 "$builder" ${opts#@build} "$size" "$dir/$name.yuv" "$clip"
		ffmpeg -nostdin -v error -i "$clip" -pix_fmt yuv420p -f rawvideo -y "$dir/$name.dec"
		psnr=$(ffmpeg -nostdin -v info -f rawvideo -s "$size" -pix_fmt yuv420p \
			-i "$dir/$name.dec" -f rawvideo -s "$size" -pix_fmt yuv420p -i "$dir/$name.yuv" \
			-lavfi psnr -f null - 2>&1 >/dev/null |
			sed -n 's/.*PSNR.* min:\([0-9.]*\).*/\1/p')
		rm -f "$dir/$name.yuv" "$dir/$name.dec"
		awk -v p="${psnr:-0}" 'BEGIN { exit !(p > 35) }' || {
			echo "gen-mpeg2: $name: software decode is not the source (PSNR ${psnr:-?})" >&2
			exit 1
		}
	else
		# shellcheck disable=SC2086 # options are words
		ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=$size:rate=25:d=$secs" \
			-c:v mpeg2video -q:v 5 $opts -y "$clip"
	fi
	ffmpeg -nostdin -v error -i "$clip" -pix_fmt yuv420p -f framemd5 -y "$dir/$name.framemd5" \
		2>"$dir/$name.err"
	if [ -s "$dir/$name.err" ]; then
		echo "gen-mpeg2: $name: software decode: $(head -n 1 "$dir/$name.err")" >&2
		exit 1
	fi
	rm -f "$dir/$name.err"
	frames=$(grep -vc '^#' "$dir/$name.framemd5" || true)
	[ "$frames" -gt 0 ] || { echo "gen-mpeg2: $name: no frames" >&2; exit 1; }
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$name.m2v" "${size%x*}" "${size#*x}" \
		"$frames" $((frames * pics_per_frame)) "$feat" >>"$tsv"
done < <(corpus)
mv "$tsv" "$dir/mpeg2.tsv"
