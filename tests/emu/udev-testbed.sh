# SPDX-License-Identifier: MIT
# Sourced by gst.sh and compliance.sh: udev's (sysfs) view of one emulated decoder, for Debian's
# umockdev. The /dev nodes themselves are served by libv4l2emu.so; the testbed has no /dev
# entries, so umockdev's preload passes every /dev access on to the emulator.

# emu_driver_name PROFILE -> the QUERYCAP driver name (docs/design.md profiles table)
emu_driver_name() {
	case $1 in
	hantro-g1) echo hantro-vpu ;;
	rkvdec) echo rkvdec ;;
	cedrus) echo cedrus ;;
	*) return 1 ;;
	esac
}

# emu_free_index -> first index whose /dev/mediaN and /dev/videoN are free on the real filesystem
emu_free_index() {
	local i=0
	while [ -e /dev/media$i ] || [ -e /dev/video$i ]; do i=$((i + 1)); done
	echo $i
}

# emu_write_testbed FILE DRIVER INDEX: a platform device with its media device (bus "media",
# 238:N) and its video4linux device (81:N), as the kernel's sysfs shows an m2m decoder; their
# "device" links lead to the platform device (v4l2-compliance finds the media node that way).
emu_write_testbed() {
	local file=$1 drv=$2 idx=$3
	cat >"$file" <<EOT
P: /devices/platform/$drv
E: SUBSYSTEM=platform
E: DRIVER=$drv

P: /devices/platform/$drv/media$idx
E: DEVNAME=/dev/media$idx
E: MAJOR=238
E: MINOR=$idx
E: SUBSYSTEM=media
A: dev=238:$idx
L: device=..

P: /devices/platform/$drv/video4linux/video$idx
E: DEVNAME=/dev/video$idx
E: MAJOR=81
E: MINOR=$idx
E: SUBSYSTEM=video4linux
E: ID_V4L_CAPABILITIES=:
A: dev=81:$idx
A: name=$drv-dec
A: index=0
L: device=../..
EOT
}

# emu_udev_run TESTBED PRELOAD CMD...: CMD under umockdev with PRELOAD in front of umockdev's
# preload library (umockdev-run sets LD_PRELOAD for its child; ours is prepended inside).
emu_udev_run() {
	local testbed=$1 preload=$2
	shift 2
	umockdev-run -d "$testbed" -- sh -c 'LD_PRELOAD="$0${LD_PRELOAD:+:$LD_PRELOAD}" exec "$@"' \
		"$preload" "$@"
}
