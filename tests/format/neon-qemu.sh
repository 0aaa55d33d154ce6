#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The NEON detilers of src/format/ on aarch64: tests/driver/test_format.c and src/format/*.c are
# cross-built static with aarch64-linux-gnu-gcc (-Werror) and run under qemu-aarch64; the test
# checks the NEON path and the portable path byte for byte against the layout formulas.
# A missing cross compiler or qemu is a failure (scripts/deps.sh installs both).
#
#   neon-qemu.sh SOURCE_ROOT
set -euo pipefail

src=${1:?usage: neon-qemu.sh SOURCE_ROOT}
cc=${V4L2R_CROSS_CC:-aarch64-linux-gnu-gcc}
qemu=${V4L2R_QEMU:-qemu-aarch64}
command -v "$cc" >/dev/null || { echo "FAIL: $cc missing (gcc-aarch64-linux-gnu)"; exit 1; }
command -v "$qemu" >/dev/null || { echo "FAIL: $qemu missing (qemu-user)"; exit 1; }
va_inc=$(pkg-config --variable=includedir libva)
drm_inc=$(pkg-config --variable=includedir libdrm)/libdrm

tmp=$(mktemp -d "${TMPDIR:-/tmp}/v4l2r-neon.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Only the architecture-independent VA headers: not the host's whole /usr/include.
mkdir -p "$tmp/inc"
ln -s "$va_inc/va" "$tmp/inc/va"
for h in "$drm_inc"/*.h; do ln -s "$h" "$tmp/inc/"; done

"$cc" -std=c11 -D_GNU_SOURCE -O2 -static -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wno-unused-parameter -Wno-missing-field-initializers \
	-I"$tmp/inc" -I"$src/src" -I"$src/src/codec" -I"$src/src/bitstream" \
	"$src"/src/format/*.c "$src/tests/driver/test_format.c" -o "$tmp/test_format"
out=$("$qemu" "$tmp/test_format")
echo "$out"
# The NEON path must have been the automatic choice, and tested.
grep -q "(auto = neon)" <<<"$out" || { echo "FAIL: NEON path not selected on aarch64"; exit 1; }
