#!/usr/bin/env bash
# Install the Debian packages the full suite needs: QEMU's MIPS system emulator
# (the reference machine) with its firmware packages, and the mipsel cross
# toolchain that builds the guest images. Idempotent and quiet: does nothing
# when everything is installed. Runs apt-get directly as root, through sudo
# otherwise.
set -euo pipefail

PKGS=(qemu-system-mips seabios ipxe-qemu gcc-mipsel-linux-gnu binutils-mipsel-linux-gnu)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "install-deps: not root and sudo not found; install as root: ${missing[*]}" >&2
		exit 1
	fi
	as_root=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
