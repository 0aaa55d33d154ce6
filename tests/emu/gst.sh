#!/bin/bash
# SPDX-License-Identifier: MIT
# GStreamer's v4l2slh264dec through the emulated device (placeholder until the udev side works).
echo "FAIL: not implemented yet" >&2
exit 1
