#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages the build, the demo and the tests need (Debian 12, as root).
# Does nothing when they are all present already.
set -euo pipefail
pkgs=(
	build-essential meson ninja-build pkg-config clang llvm libclang-rt-14-dev
	libva-dev libdrm-dev libavcodec-dev libavutil-dev libavformat-dev
	ffmpeg vainfo mpv xvfb xauth
	gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-bad umockdev
	v4l-utils valgrind mjpegtools libseccomp-dev
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
