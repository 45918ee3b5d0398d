#!/usr/bin/env bash
# Fetch Debian's mipsel Malta kernel and a static busybox, and build the initramfs that
# `disco run --linux` and test/linux.test.ts boot (docs/linux.md).
#
# usage: scripts/fetch-linux.sh [--force]
#
# Downloads (without installing) linux-image-4kc-malta's current linux-image-6.1.0-*-4kc-malta
# and busybox-static for mipsel from Debian bookworm, with a private apt state under
# .cache/linux/apt (the host's own apt lists are not touched), extracts them with dpkg-deb -x and
# writes:
#   .cache/linux/vmlinuz              the self-decompressing ELF kernel (boot/vmlinuz-*)
#   .cache/linux/config               its build configuration (Debian's System.map is a stub)
#   .cache/linux/initramfs.cpio.gz    cpio newc + gzip: busybox, applet links, /init
#   .cache/linux/VERSION              the kernel and busybox package versions
# Nothing is downloaded again while those exist (use --force). Exits 0 on success; on failure
# (no network, no apt) prints one line starting with "fetch-linux:" and exits 1.
#
# /init prints the marker line "DISCO-LINUX-INIT", then runs `uname -a`, `cat /proc/cpuinfo`,
# a shell loop of 100,000 arithmetic steps printing a checksum, `md5sum` of a file built into
# the image, and `poweroff -f`.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=$root/.cache/linux
force=0
[ "${1:-}" = --force ] && force=1

die() { echo "fetch-linux: $*" >&2; exit 1; }

if [ $force = 0 ] && [ -s "$cache/vmlinuz" ] && [ -s "$cache/initramfs.cpio.gz" ] && [ -s "$cache/VERSION" ]; then
	echo "fetch-linux: cached in ${cache#"$root"/} ($(tr '\n' ' ' <"$cache/VERSION"))"
	exit 0
fi

command -v apt-get >/dev/null || die "apt-get not found (a Debian-based host is needed)"
command -v dpkg-deb >/dev/null || die "dpkg-deb not found"
command -v node >/dev/null || die "node not found"

mkdir -p "$cache/apt/lists/partial" "$cache/apt/archives/partial" "$cache/debs"
cat >"$cache/apt/sources.list" <<'EOF'
deb [arch=mipsel signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb [arch=mipsel signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main
deb [arch=mipsel signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
EOF
# A private apt: mipsel only, our own lists and sources, no host configuration fragments.
apt_opts=(
	-o APT::Architecture=mipsel -o APT::Architectures=mipsel
	-o Dir::State::Lists="$cache/apt/lists"
	-o Dir::Cache="$cache/apt"
	-o Dir::Etc::SourceList="$cache/apt/sources.list"
	-o Dir::Etc::SourceParts=/nonexistent
	-o Debug::NoLocking=1
	-o APT::Sandbox::User=root
	-qq
)
apt-get "${apt_opts[@]}" update >/dev/null || die "apt-get update failed (is Debian's archive reachable?)"

# The metapackage names the current ABI package: linux-image-6.1.0-N-4kc-malta.
kpkg=$(apt-cache "${apt_opts[@]}" depends linux-image-4kc-malta 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-6\.1\.[0-9a-z.-]*-4kc-malta\)$/\1/p' | head -n1)
[ -n "$kpkg" ] || die "cannot resolve linux-image-4kc-malta to a linux-image-6.1 package"

rm -f "$cache/debs"/*.deb
(cd "$cache/debs" && apt-get "${apt_opts[@]}" download "$kpkg" busybox-static) ||
	die "apt-get download $kpkg busybox-static failed"

rm -rf "$cache/root"
mkdir -p "$cache/root"
for deb in "$cache/debs"/*.deb; do dpkg-deb -x "$deb" "$cache/root"; done
vmlinuz=$(ls "$cache/root"/boot/vmlinuz-* | head -n1)
[ -s "$vmlinuz" ] || die "$kpkg has no boot/vmlinuz-*"
cp "$vmlinuz" "$cache/vmlinuz"
cp "$cache/root"/boot/config-* "$cache/config"
[ -x "$cache/root/bin/busybox" ] || die "busybox-static has no bin/busybox"
{
	for deb in "$cache/debs"/*.deb; do dpkg-deb --show --showformat='${Package} ${Version}\n' "$deb"; done
} >"$cache/VERSION"

# The initramfs, written by a few lines of Node (cpio newc, "070701" headers, 4-byte padding;
# see the kernel's Documentation/driver-api/early-userspace/buffer-format.rst). Owner root,
# fixed mtime 0 so the archive is the same on every host.
BUSYBOX="$cache/root/bin/busybox" OUT="$cache/initramfs.cpio.gz" node --input-type=module - <<'EOF'
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const init = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo DISCO-LINUX-INIT
uname -a
cat /proc/cpuinfo
i=0
s=0
while [ $i -lt 100000 ]; do
  s=$(( (s * 31 + i) % 1000003 ))
  i=$((i + 1))
done
echo "loop checksum: $s"
md5sum /etc/disco-test.txt
echo DISCO-LINUX-POWEROFF
poweroff -f
`;
// A file with known contents for md5sum: 64 numbered lines.
let text = '';
for (let i = 0; i < 64; i++) text += `disco test line ${i}: the quick brown fox jumps over the lazy dog\n`;

const entries = [];
const dir = (name) => entries.push({ name, mode: 0o040755, data: new Uint8Array(0) });
const file = (name, data, mode = 0o100644) => entries.push({ name, mode, data });
const link = (name, target) => entries.push({ name, mode: 0o120777, data: Buffer.from(target) });
const node = (name, mode, major, minor) => entries.push({ name, mode, data: new Uint8Array(0), major, minor });

for (const d of ['bin', 'sbin', 'dev', 'etc', 'proc', 'sys', 'tmp', 'root']) dir(d);
node('dev/console', 0o020600, 5, 1);
node('dev/null', 0o020666, 1, 3);
node('dev/ttyS0', 0o020660, 4, 64);
file('bin/busybox', readFileSync(process.env.BUSYBOX), 0o100755);
for (const a of ['sh', 'mount', 'echo', 'uname', 'cat', 'md5sum', 'ls', 'dmesg', 'sleep']) link(`bin/${a}`, 'busybox');
link('sbin/poweroff', '../bin/busybox');
file('init', Buffer.from(init), 0o100755);
file('etc/disco-test.txt', Buffer.from(text));

const parts = [];
const pad4 = (n) => (4 - (n % 4)) % 4;
const hex8 = (n) => n.toString(16).padStart(8, '0');
let ino = 1;
const put = (e) => {
  const name = Buffer.from(e.name + '\0');
  const fields = [ino++, e.mode, 0, 0, 1, 0, e.data.length, 0, 0, e.major ?? 0, e.minor ?? 0, name.length, 0];
  const head = Buffer.from('070701' + fields.map(hex8).join(''));
  parts.push(head, name, Buffer.alloc(pad4(head.length + name.length)), Buffer.from(e.data), Buffer.alloc(pad4(e.data.length)));
};
for (const e of entries) put(e);
put({ name: 'TRAILER!!!', mode: 0, data: new Uint8Array(0) });
const cpio = Buffer.concat(parts);
writeFileSync(process.env.OUT, gzipSync(cpio, { level: 9 }));
EOF

echo "fetch-linux: $(tr '\n' ' ' <"$cache/VERSION")-> ${cache#"$root"/}/{vmlinuz,initramfs.cpio.gz}"
