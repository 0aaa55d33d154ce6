#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The VP8 corpus of the conformance runner in DIR (never committed): the 31 shared test vectors
# (read in place), libvpx clips made with tests/integration/gen-vp8.sh (the options of the
# integration tests' clips), and streams rewritten by vp8-signbias (BUILD/tests/emu_vp8) with
# sign_bias_golden=1 on every inter frame, whose software decode must equal the original's.
#
#   gen-vp8.sh BUILD DIR [NAME...]
#
# Writes DIR/NAME.framemd5 (software decode, every frame at its own size) and DIR/vp8.tsv
# (name, file, width, height, frames shown, coded frames, features, 1 when every frame has the
# first frame's size). Fails when any stream cannot be made.
set -euo pipefail

build=${1:?usage: gen-vp8.sh BUILD DIR [NAME...]}
dir=${2:?usage: gen-vp8.sh BUILD DIR [NAME...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
vectors="${V4L2R_CONFORMANCE:?}/vp8"
tool="$build/tests/emu_vp8/vp8-signbias"
die() { echo "gen-vp8: $*" >&2; exit 1; }
[ -d "$vectors" ] || die "VP8 vectors missing: $vectors"
[ -x "$tool" ] || die "vp8-signbias missing: $tool"
mkdir -p "$dir"

# libvpx clips: name | size | seconds | passes | options | features (as tests/integration)
clips() {
	cat <<EOT
altref-2pass|176x144|3|2|-auto-alt-ref 1 -lag-in-frames 16 -b:v 300k -g 40|libvpx two-pass, hidden alt-ref frames, alt-ref sign bias
er-8parts-odd|173x97|2|1|-error-resilient default -slices 8 -g 12 -b:v 200k|libvpx error resilient, 8 token partitions, odd size
rt-4parts-sharp|320x180|2|1|-deadline realtime -cpu-used 8 -slices 4 -sharpness 5 -noise-sensitivity 1 -b:v 150k|libvpx realtime, 4 partitions, sharpness 5
lowq-odd|97x65|1|1|-qmin 0 -qmax 2 -crf 1 -b:v 2M -g 5|libvpx near-lossless, odd size
EOT
}
# rewritten with sign_bias_golden=1: source stream name
signbias=(vp80-00-comprehensive-015 vp80-02-inter-1418 vp80-05-sharpness-1439 altref-2pass
	er-8parts-odd)

want() { [ ${#sel[@]} -eq 0 ] || printf '%s\n' "${sel[@]}" | grep -qx -- "$1"; }
sel=("$@")
tsv="$dir/vp8.tsv.new"
: >"$tsv"

add() { # name file features
	local name=$1 file=$2 feat=$3 w h shown coded uniform
	ffmpeg -nostdin -v error -i "$file" -autoscale 0 -pix_fmt yuv420p -f framemd5 \
		-y "$dir/$name.framemd5" 2>"$dir/$name.err" || die "$name: software decode failed"
	[ ! -s "$dir/$name.err" ] || die "$name: software decode: $(head -n 1 "$dir/$name.err")"
	rm -f "$dir/$name.err"
	IFS=, read -r w h < <(ffprobe -v error -select_streams v -read_intervals '%+#1' \
		-show_entries frame=width,height -of csv=p=0 "$file" | head -n 1)
	shown=$(grep -vc '^#' "$dir/$name.framemd5" || true)
	coded=$(ffprobe -v error -count_packets -select_streams v -show_entries \
		stream=nb_read_packets -of csv=p=0 "$file")
	uniform=$(grep -v '^#' "$dir/$name.framemd5" | awk -F', *' '{print $5}' | sort -u | wc -l)
	[ "$shown" -gt 0 ] || die "$name: no frames"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$file" "$w" "$h" "$shown" "$coded" \
		"$feat" $((uniform == 1)) >>"$tsv"
}

for v in "$vectors"/*.ivf; do
	name=$(basename "$v" .ivf)
	cat=${name#vp80-}
	cat=${cat%-*}
	if want "$name"; then add "$name" "$v" "test vector ($cat)"; fi
done
while IFS='|' read -r name size secs passes opts feat; do
	sb=false
	for s in "${signbias[@]}"; do [ "$s" != "$name" ] || sb=true; done
	want "$name" || { $sb && want "$name-sb"; } || continue
	if [ ! -s "$dir/$name.ivf" ] || [ "$(cat "$dir/$name.recipe" 2>/dev/null)" != "$size $secs $passes $opts" ]; then
		# shellcheck disable=SC2086 # options are words
		"$here/../integration/gen-vp8.sh" "$dir/$name.ivf" "$size" "$secs" "$passes" $opts ||
			die "$name: libvpx encode failed"
		echo "$size $secs $passes $opts" >"$dir/$name.recipe"
	fi
	if want "$name"; then add "$name" "$dir/$name.ivf" "$feat"; fi
done < <(clips)
for s in "${signbias[@]}"; do
	want "$s-sb" || continue
	src="$vectors/$s.ivf"
	[ -f "$src" ] || src="$dir/$s.ivf"
	"$tool" "$src" "$dir/$s-sb.ivf" >"$dir/$s-sb.log" || die "$s-sb: vp8-signbias failed"
	ffmpeg -nostdin -v error -i "$src" -autoscale 0 -pix_fmt yuv420p -f framemd5 \
		-y "$dir/$s.orig.framemd5" || die "$s: software decode failed"
	add "$s-sb" "$dir/$s-sb.ivf" "$s with sign_bias_golden=1 ($(cut -d, -f3 "$dir/$s-sb.log" | sed 's/^ //; s/with other/with other vector/'))"
	cmp -s <(grep -v '^#' "$dir/$s.orig.framemd5") <(grep -v '^#' "$dir/$s-sb.framemd5") ||
		die "$s-sb: the rewritten stream decodes differently in software"
done
[ -s "$tsv" ] || die "no stream selected"
mv "$tsv" "$dir/vp8.tsv"
