#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Installs what building, booting, debugging and testing need on a Debian or
# Ubuntu machine: QEMU, GRUB's BIOS image tools (grub-mkrescue needs xorriso
# and mtools), SCons, gcc, clang with lld and its sanitizer/libFuzzer
# runtime, cmocka and gdb; apt, xz-utils and tar fetch and unpack lwIP
# (site_scons/site_tools/lwip.py); and the tools system tests use to talk
# to a guest over the network (curl, wrk, ab from apache2-utils, socat, nc);
# gnuplot-nox draws the plots of `scons bench`.
#
# Idempotent and without prompts: when every package is already installed it
# touches nothing (no apt-get at all), so a second run takes a moment. Runs
# as root, or through sudo otherwise.
set -euo pipefail

packages=(qemu-system-x86 grub-pc-bin grub-common xorriso mtools scons gcc
          clang lld libcmocka-dev gdb libclang-rt-14-dev apt xz-utils tar
          wrk apache2-utils socat netcat-openbsd curl gnuplot-nox)

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install.sh: all ${#packages[@]} packages are installed"
	exit 0
fi

sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install.sh: run as root (no sudo)" >&2; exit 1; }
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
echo "install.sh: installing ${missing[*]}"
$sudo apt-get update -q
# Distributions whose clang is not 14 ship the runtime under another name.
want=()
for p in "${missing[@]}"; do
	if [ "$p" = libclang-rt-14-dev ] && ! apt-cache show "$p" >/dev/null 2>&1; then
		p=libclang-rt-dev
		apt-cache show "$p" >/dev/null 2>&1 || continue
	fi
	want+=("$p")
done
$sudo apt-get install -y -q --no-install-recommends "${want[@]}"
echo "install.sh: done"
