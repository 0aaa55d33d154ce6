#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The NEON steps of the H.264 copy into OUTPUT (src/codec/h264.c, copy_nal) on aarch64:
# tests/driver/test_copy_nal.c and the sources it needs are cross-built static with
# aarch64-linux-gnu-gcc (-Werror) and run under qemu-aarch64. A missing cross compiler or qemu is
# a failure (scripts/deps.sh installs both).
#
#   copy-nal-qemu.sh SOURCE_ROOT
set -euo pipefail

src=${1:?usage: copy-nal-qemu.sh SOURCE_ROOT}
cc=${V4L2R_CROSS_CC:-aarch64-linux-gnu-gcc}
qemu=${V4L2R_QEMU:-qemu-aarch64}
command -v "$cc" >/dev/null || { echo "FAIL: $cc missing (gcc-aarch64-linux-gnu)"; exit 1; }
command -v "$qemu" >/dev/null || { echo "FAIL: $qemu missing (qemu-user)"; exit 1; }
va_inc=$(pkg-config --variable=includedir libva)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/v4l2r-copy-nal.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Only the architecture-independent VA headers: not the host's whole /usr/include.
mkdir -p "$tmp/inc"
ln -s "$va_inc/va" "$tmp/inc/va"

"$cc" -std=c11 -D_GNU_SOURCE -O2 -static -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wno-unused-parameter -Wno-missing-field-initializers \
	-I"$tmp/inc" -I"$src/src" -I"$src/src/codec" -I"$src/src/bitstream" \
	"$src/tests/driver/test_copy_nal.c" "$src/src/codec/slices.c" \
	"$src/src/bitstream/bitreader.c" "$src/src/bitstream/h264_slice.c" -o "$tmp/test_copy_nal"
out=$("$qemu" "$tmp/test_copy_nal")
echo "$out"
# The NEON steps must have been tested.
grep -q "^neon: checked" <<<"$out" || { echo "FAIL: NEON steps not tested on aarch64"; exit 1; }
