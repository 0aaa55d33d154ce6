#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Encodes the H.264 feature-matrix corpus into DIR (a build directory; never committed):
# short deterministic clips from lavfi sources with libx264 and explicit x264 parameters.
#
#   gen-corpus.sh DIR [NAME...]
#
# Writes DIR/NAME.h264, DIR/NAME.framemd5 (ffmpeg's software decode, per frame) and
# DIR/corpus.tsv (name, file, width, height, frames, coded pictures, features). A clip whose
# recipe did not change is not encoded again. Exit status is non-zero when any clip cannot be
# made (a missing encoder is a failure, not a skip). Clips named ltr-* and paff-* are x264
# streams edited by h264-ltr.py / h264-paff.py (long-term references, field pictures).
set -euo pipefail

dir=${1:?usage: gen-corpus.sh DIR [NAME...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"

# name | size | frames | source | x264 profile | x264-params | features (for the report)
# Every clip sets its GOP explicitly (keyint, scenecut) so that the structure does not depend on
# the content. Sources: testsrc2 (moving pattern), mandelbrot (zoom, fine detail), and a
# fading testsrc2 (luma changes that make x264 choose weighted prediction).
recipes=(
	"cbp-ip|176x144|20|testsrc2|baseline|cabac=0:bframes=0:ref=3:keyint=10:scenecut=0|Constrained Baseline, CAVLC, I+P, 3 refs"
	"cavlc-ionly|320x240|8|mandelbrot|high|cabac=0:keyint=1:8x8dct=1|High, CAVLC, I-only, 8x8 transform"
	"cabac-ionly|320x240|8|mandelbrot|main|keyint=1|Main, CABAC, I-only"
	"main-ip|320x240|25|testsrc2|main|bframes=0:ref=2:keyint=12:scenecut=0|Main, CABAC, I+P"
	"main-ibbp|320x240|25|testsrc2|main|bframes=2:b-pyramid=none:b-adapt=0:ref=2:keyint=12:scenecut=0|Main, CABAC, IBBP (no pyramid)"
	"cavlc-ibbp-temporal|320x240|25|testsrc2|high|cabac=0:bframes=2:b-pyramid=none:b-adapt=0:direct=temporal:ref=2:keyint=25:scenecut=0|High, CAVLC, IBBP, temporal direct"
	"pyramid-strict|320x240|30|testsrc2|high|bframes=3:b-pyramid=strict:b-adapt=0:ref=3:keyint=30:scenecut=0|B-pyramid strict, spatial direct"
	"pyramid-normal|320x240|30|testsrc2|high|bframes=3:b-pyramid=normal:b-adapt=0:ref=4:keyint=30:scenecut=0|B-pyramid normal"
	"pyramid-normal-cavlc|320x240|30|mandelbrot|high|cabac=0:bframes=3:b-pyramid=normal:b-adapt=0:ref=4:keyint=30:scenecut=0|B-pyramid normal, CAVLC"
	"weighted-p|320x240|25|fade|main|bframes=0:weightp=2:ref=3:keyint=25:scenecut=0|weighted P (smart, duplicate refs)"
	"weighted-p-simple|320x240|25|fade|main|bframes=0:weightp=1:ref=2:keyint=25:scenecut=0|weighted P (simple)"
	"weighted-b|320x240|25|fade|high|bframes=2:b-adapt=0:weightb=1:weightp=2:ref=3:keyint=25:scenecut=0|weighted P + implicit weighted B"
	"dct8x8|320x240|20|mandelbrot|high|8x8dct=1:bframes=2:b-adapt=0:ref=2:keyint=20:scenecut=0|8x8 transform"
	"cqm-flat|320x240|15|mandelbrot|high|cqm=flat:8x8dct=1:bframes=2:b-adapt=0:keyint=15:scenecut=0|scaling lists: flat"
	"cqm-jvt|320x240|15|mandelbrot|high|cqm=jvt:8x8dct=1:bframes=2:b-adapt=0:keyint=15:scenecut=0|scaling lists: JVT defaults"
	"cqm-custom|320x240|15|mandelbrot|high|cqmfile=$here/custom.cqm:8x8dct=1:bframes=2:b-adapt=0:keyint=15:scenecut=0|scaling lists: custom (all 8 lists)"
	"cqm-custom-cavlc|320x240|15|testsrc2|high|cqmfile=$here/custom.cqm:cabac=0:8x8dct=1:bframes=0:keyint=15:scenecut=0|scaling lists: custom, CAVLC, P"
	"slices4|320x240|15|testsrc2|high|slices=4:bframes=2:b-adapt=0:ref=3:keyint=15:scenecut=0|4 slices per picture"
	"slices-maxsize|320x240|15|mandelbrot|main|slice-max-size=400:bframes=2:b-adapt=0:ref=2:keyint=15:scenecut=0|size-limited slices (400 bytes)"
	"slices-maxsize-cavlc|320x240|15|mandelbrot|baseline|slice-max-size=300:cabac=0:bframes=0:ref=2:keyint=15:scenecut=0|Constrained Baseline, size-limited slices"
	"mbaff-tff|320x240|20|testsrc2|high|interlaced=1:tff=1:bframes=2:b-adapt=0:ref=3:keyint=20:scenecut=0|MBAFF, top field first, B"
	"mbaff-bff|320x240|20|testsrc2|high|interlaced=1:bff=1:bframes=2:b-adapt=0:ref=3:keyint=20:scenecut=0|MBAFF, bottom field first, B"
	"mbaff-cavlc-wp|320x240|20|fade|high|interlaced=1:cabac=0:bframes=0:weightp=1:ref=2:keyint=20:scenecut=0|MBAFF, CAVLC, weighted P"
	"fake-interlaced|320x240|20|testsrc2|high|fake-interlaced=1:bframes=2:b-adapt=0:ref=2:keyint=20:scenecut=0|fake-interlaced (PAFF flags, progressive frames)"
	"ref16|176x144|40|testsrc2|high|ref=16:bframes=0:keyint=40:scenecut=0:level=4.1|16 reference frames"
	"ref16-b|176x144|40|mandelbrot|high|ref=16:bframes=3:b-pyramid=normal:b-adapt=0:keyint=40:scenecut=0:level=4.1|16 reference frames, B-pyramid"
	"open-gop|320x240|36|testsrc2|high|open-gop=1:bframes=3:b-pyramid=normal:b-adapt=0:keyint=12:min-keyint=12:scenecut=0|open GOP (recovery-point I, leading B)"
	"intra-refresh|320x240|30|testsrc2|high|intra-refresh=1:bframes=0:ref=1:keyint=10|periodic intra refresh (no IDR after the first)"
	"ltr-idr-cavlc|176x144|30|testsrc2|baseline|cabac=0:bframes=0:weightp=0:ref=3:keyint=15:scenecut=0|long-term reference: each IDR marked long-term (h264-ltr.py), CAVLC, 2 GOPs"
	"ltr-idr-cabac|320x240|30|mandelbrot|main|bframes=0:weightp=0:ref=4:keyint=30:scenecut=0|long-term reference: IDR marked long-term (h264-ltr.py), CABAC, 4 refs"
	"paff-cavlc|320x256|24|fields|baseline|cabac=0:bframes=0:weightp=0:ref=3:keyint=1000:scenecut=0|field pictures (PAFF, h264-paff.py): 24 fields, top first, CAVLC, 3 ref frames"
	"paff-576i|720x576|12|fields-mandelbrot|baseline|cabac=0:bframes=0:weightp=0:ref=2:keyint=1000:scenecut=0|field pictures (PAFF, h264-paff.py): 720x576, 12 fields, 2 ref frames"
	"paff-bff|320x256|20|fields-bff|baseline|cabac=0:bframes=0:weightp=0:ref=3:keyint=1000:scenecut=0|field pictures (PAFF): bottom field first, 3 ref frames"
	"crop-202x118|202x118|15|testsrc2|high|bframes=2:b-adapt=0:ref=2:keyint=15:scenecut=0|cropping: 202x118 (coded 208x128)"
	"crop-1920x1080|1920x1080|3|testsrc2|high|bframes=0:ref=1:keyint=3:scenecut=0|hantro-g1 limit height: 1920x1080 (coded 1088)"
	"limit-1920x1088|1920x1088|3|testsrc2|high|bframes=0:ref=1:keyint=3:scenecut=0|hantro-g1 maximum: 1920x1088"
	"limit-4096x2304|4096x2304|2|testsrc2|high|bframes=0:ref=1:keyint=2:scenecut=0|rkvdec/cedrus maximum: 4096x2304"
	"limit-48x48|48x48|10|testsrc2|high|bframes=2:b-adapt=0:ref=2:keyint=10:scenecut=0|hantro-g1/rkvdec minimum: 48x48"
	"tiny-32x32|32x32|10|testsrc2|high|bframes=0:ref=1:keyint=10:scenecut=0|below hantro-g1/rkvdec minimum: 32x32"
	"high422|320x240|5|testsrc2|high422|keyint=5:bframes=0|High 4:2:2 (no VA profile; no device decodes it)"
	"high10|320x240|5|testsrc2|high10|keyint=5:bframes=0|High 10 (no VA profile in VA-API 1.17)"
)

want() { # name: selected on the command line (or no selection)
	[ ${#sel[@]} -eq 0 ] && return 0
	printf '%s\n' "${sel[@]}" | grep -qx "$1"
}
sel=("$@")

command -v ffmpeg >/dev/null || { echo "gen-corpus: ffmpeg missing" >&2; exit 1; }
encoders=$(ffmpeg -hide_banner -encoders 2>/dev/null)
grep -q ' libx264 ' <<<"$encoders" ||
	{ echo "gen-corpus: ffmpeg has no libx264 encoder" >&2; exit 1; }

# Encodes one clip to OUT and its software decode to OUT's .framemd5.tmp; fails on any error, and
# when the software decoder says anything (a broken clip).
make_clip() { # name lavfi frames pixfmt profile params out
	local name=$1 lavfi=$2 frames=$3 pixfmt=$4 prof=$5 params=$6 out=$7 enc=$7
	case $name in ltr-* | paff-*) enc="$dir/$name.base.h264" ;; esac
	# One encoder thread: the bitstream does not depend on the machine.
	ffmpeg -nostdin -v error -y -f lavfi -i "$lavfi" -frames:v "$frames" -pix_fmt "$pixfmt" \
		-c:v libx264 -threads 1 -profile:v "$prof" -x264-params "$params" \
		-bsf:v h264_metadata=aud=remove "$enc" || return 1
	case $name in
	ltr-*) python3 "$here/h264-ltr.py" "$enc" "$out" || return 1 ;;
	paff-bff) python3 "$here/h264-paff.py" --bff "$enc" "$out" || return 1 ;;
	paff-*) python3 "$here/h264-paff.py" "$enc" "$out" || return 1 ;;
	esac
	ffmpeg -nostdin -v error -i "$out" -pix_fmt "$pixfmt" -f framemd5 - \
		>"$dir/$name.framemd5.tmp" 2>"$dir/$name.swlog" || return 1
	[ ! -s "$dir/$name.swlog" ]
}

tsv="$dir/corpus.tsv.new"
printf '# name\tfile\twidth\theight\tframes\tpictures\tfeatures\n' >"$tsv"
rc=0
for r in "${recipes[@]}"; do
	IFS='|' read -r name size frames src prof params feat <<<"$r"
	want "$name" || continue
	w=${size%x*}
	h=${size#*x}
	case $prof in
	high422) pixfmt=yuv422p ;;
	high10) pixfmt=yuv420p10le ;;
	*) pixfmt=yuv420p ;;
	esac
	case $src in
	testsrc2) lavfi="testsrc2=size=$size:rate=25" ;;
	mandelbrot) lavfi="mandelbrot=size=$size:rate=25" ;;
	fields) lavfi="testsrc2=size=$size:rate=25,separatefields" ;;
	fields-bff) lavfi="testsrc2=size=$size:rate=25,setfield=bff,separatefields" ;;
	fields-mandelbrot) lavfi="mandelbrot=size=$size:rate=25,separatefields" ;;
	fade) lavfi="testsrc2=size=$size:rate=25,fade=t=in:st=0:d=0.4,fade=t=out:st=0.6:d=0.4" ;;
	*) echo "gen-corpus: unknown source $src" >&2; exit 1 ;;
	esac
	recipe="$(cat "$here/h264-ltr.py" "$here/h264-paff.py" | md5sum)|$lavfi|$frames|$prof|$pixfmt|$params|$(md5sum <"$here/custom.cqm")|$(ffmpeg -version | head -1)"
	out="$dir/$name.h264"
	if ! [ -s "$out" ] || ! [ -s "$dir/$name.framemd5" ] ||
		[ "$(cat "$dir/$name.recipe" 2>/dev/null)" != "$recipe" ]; then
		rm -f "$out" "$dir/$name.framemd5" "$dir/$name.recipe"
		if ! make_clip "$name" "$lavfi" "$frames" "$pixfmt" "$prof" "$params" "$out"; then
			echo "gen-corpus: cannot make $name" >&2
			rm -f "$out" "$dir/$name.framemd5.tmp"
			rc=1
			continue
		fi
		mv "$dir/$name.framemd5.tmp" "$dir/$name.framemd5"
		printf '%s\n' "$recipe" >"$dir/$name.recipe"
	fi
	n=$(grep -vc '^#' "$dir/$name.framemd5" || true)
	pictures=$frames # coded pictures: what the device decodes, one request (set) each
	case $name in paff-*) frames=$((frames / 2)) ;; esac # two fields a frame
	[ "$n" -eq "$frames" ] || {
		echo "gen-corpus: $name: software decode gives $n frames, $frames encoded" >&2
		rc=1
	}
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$name.h264" "$w" "$h" "$n" "$pictures" \
		"$feat" >>"$tsv"
done
mv "$tsv" "$dir/corpus.tsv"
exit $rc
