#!/usr/bin/env bash
# Build every bare-metal guest image (MIPS32r2 little-endian ELF, linked at kseg0
# 0x80100000) from its sources:
#   guests/demo/demo.c     -> guests/demo/demo.elf
#   guests/tests/NAME.S    -> guests/tests/NAME.elf
#   guests/trace/NAME.c    -> guests/trace/NAME.elf (with NAME.S beside it, if any)
#   guests/smp/NAME.c      -> guests/smp/NAME.elf (multiprocessor tests)
#   perf/images/NAME.c     -> perf/images/NAME.elf
# each linked with guests/lib (crt0, console, printf, exit, test support); and the guest
# kernel with its file system (docs/kernel.md):
#   guests/kernel/*.[cS]   -> guests/kernel/kernel.elf   (linked in ksseg, kernel.ld)
#   guests/user/*.c + lib/ -> guests/user/fs.img         (/init, /bin/*, /etc/*; guests/mkfs.ts)
# and the monitor's test guests, linked in the window like the kernel (guests/vmtests/README.md):
#   guests/vmtests/NAME.c  -> guests/vmtests/NAME.elf    (with guests/vmtests/rt, rt/link.ld)
#
# Output is reproducible bit for bit: relative source paths, no build id, no
# .comment/.note sections, deterministic archive. Symbols are kept for traces.
#
# usage: scripts/build-guests.sh           build into the tree
#        scripts/build-guests.sh --check   rebuild in a temp dir, fail if any
#                                          committed .elf differs or is missing
#        scripts/build-guests.sh --out DIR build into DIR (same layout; with
#                                          GUEST_CFLAGS=... for experiments)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CROSS=${CROSS:-mipsel-linux-gnu-}
CC=${CROSS}gcc
AR=${CROSS}ar

mode=build
out=.
case "${1:-}" in
	--check) mode=check ;;
	--out) out=${2:?--out needs a directory} ;;
	"") ;;
	*) echo "usage: $0 [--check | --out DIR]" >&2; exit 2 ;;
esac

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "build-guests: $CC not found (run scripts/install-deps.sh)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ "$mode" = check ]; then
	out=$tmp/out
fi

CFLAGS=(
	-march=mips32r2 -msoft-float -EL
	-ffreestanding -nostdlib -O2
	-fno-pic -mno-abicalls -G0
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables
	-fno-tree-loop-distribute-patterns -fno-ident
	-ffile-prefix-map="$ROOT"=.
	-Wall -Wextra -Werror
	-Iguests/lib
)
# experiments only (e.g. GUEST_CFLAGS=-DGUEST_MEASURE with --out); --check ignores it
if [ "$mode" != check ] && [ -n "${GUEST_CFLAGS:-}" ]; then
	read -r -a extra <<<"$GUEST_CFLAGS"
	CFLAGS+=("${extra[@]}")
fi
LDFLAGS=(
	-static -Lguests/lib
	-Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments
)

obj=$tmp/obj
mkdir -p "$obj/lib"

# compile SRC OBJ
compile() {
	"$CC" "${CFLAGS[@]}" -frandom-seed="$1" -c "$1" -o "$2"
}

# guests/lib -> libguest.a (crt0 is linked explicitly, first)
lib_srcs=(guests/lib/exc.S guests/lib/cache.c guests/lib/exc.c guests/lib/exit.c
	guests/lib/printf.c guests/lib/string.c guests/lib/test.c guests/lib/tlb.c
	guests/lib/uart.c)
lib_objs=()
compile guests/lib/crt0.S "$obj/lib/crt0.o"
for s in "${lib_srcs[@]}"; do
	o=$obj/lib/$(basename "${s%.*}")_$(basename "${s##*.}").o
	compile "$s" "$o"
	lib_objs+=("$o")
done
rm -f "$obj/libguest.a"
"$AR" rcD "$obj/libguest.a" "${lib_objs[@]}"

# image list: source -> elf
images=()
for s in guests/demo/demo.c guests/tests/*.S guests/smp/*.c guests/trace/*.c perf/images/*.c; do
	[ -e "$s" ] && images+=("$s")
done

outputs=()
for s in "${images[@]}"; do
	outputs+=("${s%.*}.elf")
	elf=$out/${s%.*}.elf
	o=$obj/${s//\//_}.o
	mkdir -p "$(dirname "$elf")"
	compile "$s" "$o"
	# images with boot-ROM (BEV) exception stubs get a second PT_LOAD for them
	script=guests/lib/link.ld
	if grep -q '^[[:space:]]*\.section[[:space:]]*\.bev' "$s"; then
		script=guests/lib/link-bev.ld
	fi
	# a C image may come with assembly of the same name (guests/trace: vectors, user code)
	objs=("$o")
	if [ "${s%.c}" != "$s" ] && [ -e "${s%.c}.S" ]; then
		compile "${s%.c}.S" "$o.S.o"
		objs+=("$o.S.o")
	fi
	"$CC" "${CFLAGS[@]}" "${LDFLAGS[@]}" -T "$script" "$obj/lib/crt0.o" "${objs[@]}" "$obj/libguest.a" -lgcc -o "$elf"
done

# the guest kernel: boot stub and vectors at kseg0, the rest in the ksseg window
mkdir -p "$obj/kernel" "$out/guests/kernel"
kobjs=()
for s in guests/kernel/*.S guests/kernel/*.c; do
	o=$obj/kernel/$(basename "${s%.*}")_$(basename "${s##*.}").o
	"$CC" "${CFLAGS[@]}" -Iguests/kernel -frandom-seed="$s" -c "$s" -o "$o"
	kobjs+=("$o")
done
"$CC" "${CFLAGS[@]}" "${LDFLAGS[@]}" -T guests/kernel/kernel.ld "${kobjs[@]}" -lgcc -o "$out/guests/kernel/kernel.elf"
outputs+=(guests/kernel/kernel.elf)

# its user programs (user.ld: text at 0x00400000) and the file system image holding them
UFLAGS=(-Iguests/kernel -Iguests/user/lib)
mkdir -p "$obj/user/bin" "$out/guests/user"
uobjs=()
for s in guests/user/lib/*.S guests/user/lib/*.c; do
	o=$obj/user/$(basename "${s%.*}")_$(basename "${s##*.}").o
	"$CC" "${CFLAGS[@]}" "${UFLAGS[@]}" -frandom-seed="$s" -c "$s" -o "$o"
	uobjs+=("$o")
done
for s in guests/user/*.c; do
	name=$(basename "${s%.c}")
	dest=$obj/user/bin/$name
	[ "$name" = init ] && dest=$obj/user/init
	"$CC" "${CFLAGS[@]}" "${UFLAGS[@]}" -frandom-seed="$s" -c "$s" -o "$obj/user/$name.o"
	"$CC" "${CFLAGS[@]}" "${LDFLAGS[@]}" -T guests/user/lib/user.ld "${uobjs[@]}" "$obj/user/$name.o" -o "$dest"
done
node bin/run-ts.js guests/mkfs.ts -o "$out/guests/user/fs.img" --size 16M --inodes 4096 \
	/init="$obj/user/init" /bin="$obj/user/bin" /etc=guests/user/etc
outputs+=(guests/user/fs.img)

# the monitor's test guests: runtime (boot stub and vectors, exception entry, checks) + one .c each
mkdir -p "$obj/vt" "$out/guests/vmtests"
vtobjs=()
for s in guests/vmtests/rt/boot.S guests/vmtests/rt/vec.S guests/vmtests/rt/vt.c; do
	o=$obj/vt/$(basename "${s%.*}")_$(basename "${s##*.}").o
	"$CC" "${CFLAGS[@]}" -Iguests/vmtests/rt -frandom-seed="$s" -c "$s" -o "$o"
	vtobjs+=("$o")
done
for s in guests/vmtests/*.c; do
	[ -e "$s" ] || continue
	o=$obj/vt/$(basename "${s%.c}").o
	"$CC" "${CFLAGS[@]}" -Iguests/vmtests/rt -frandom-seed="$s" -c "$s" -o "$o"
	"$CC" "${CFLAGS[@]}" "${LDFLAGS[@]}" -T guests/vmtests/rt/link.ld "${vtobjs[@]}" "$o" "$obj/libguest.a" -lgcc -o "$out/${s%.c}.elf"
	outputs+=("${s%.c}.elf")
done

# the NUMA workloads of `disco numa` (docs/numa.md), with the same runtime as guests/vmtests
for s in guests/numa/*.c; do
	[ -e "$s" ] || continue
	o=$obj/vt/numa_$(basename "${s%.c}").o
	mkdir -p "$out/guests/numa"
	"$CC" "${CFLAGS[@]}" -Iguests/vmtests/rt -frandom-seed="$s" -c "$s" -o "$o"
	"$CC" "${CFLAGS[@]}" "${LDFLAGS[@]}" -T guests/vmtests/rt/link.ld "${vtobjs[@]}" "$o" "$obj/libguest.a" -lgcc -o "$out/${s%.c}.elf"
	outputs+=("${s%.c}.elf")
done

if [ "$mode" = check ]; then
	bad=0
	for e in "${outputs[@]}"; do
		if [ ! -f "$e" ]; then
			echo "build-guests --check: $e is missing (run scripts/build-guests.sh)" >&2
			bad=1
		elif ! cmp -s "$e" "$out/$e"; then
			echo "build-guests --check: $e differs from a fresh build" >&2
			bad=1
		fi
	done
	if [ $bad = 0 ]; then
		echo "build-guests --check: ${#outputs[@]} images match their sources"
	fi
	exit $bad
fi
echo "build-guests: built ${#outputs[@]} images"
