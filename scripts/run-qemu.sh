#!/usr/bin/env bash
# Boot a guest image on QEMU's Malta board (the reference machine) and print its
# console output; returns when the image exits (SOFTRES + -no-reboot) or after
# a timeout.
#
# usage: scripts/run-qemu.sh [--tap] IMAGE [SECONDS]
#   SECONDS  timeout, default 60 (exit status 124 when it expires)
#   --tap    for guests/tests images: exit 0 only if every check line is
#            "ok" and the closing plan line "1..N" matches the number of checks
# The image's own exit code is not visible on QEMU (the halt register is
# disco-only); QEMU exits 0 when the image ends.
#
# COM1 is QEMU's serial0, which -nographic puts on stdio. stdin is /dev/null so
# that QEMU leaves the terminal alone (no raw mode) and output is plain "\n".
set -euo pipefail

tap=0
if [ "${1:-}" = --tap ]; then
	tap=1
	shift
fi
img=${1:?usage: run-qemu.sh [--tap] IMAGE [SECONDS]}
secs=${2:-60}

if ! command -v qemu-system-mipsel >/dev/null 2>&1; then
	echo "run-qemu: qemu-system-mipsel not found (run scripts/install-deps.sh)" >&2
	exit 127
fi

run() {
	timeout "$secs" qemu-system-mipsel -M malta -cpu 24Kc -m 64 \
		-nographic -no-reboot -kernel "$img" </dev/null
}

if [ $tap = 0 ]; then
	run
	exit
fi

out=$(run) && rc=0 || rc=$?
printf '%s\n' "$out"
[ $rc -eq 0 ] || exit $rc
checks=$(printf '%s\n' "$out" | grep -cE '^(not )?ok [0-9]+' || true)
bad=$(printf '%s\n' "$out" | grep -cE '^not ok' || true)
plan=$(printf '%s\n' "$out" | sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' | tail -n 1)
if [ "$bad" -ne 0 ] || [ -z "$plan" ] || [ "$plan" -ne "$checks" ] || [ "$checks" -eq 0 ]; then
	echo "run-qemu: $img: $bad failed of $checks checks (plan ${plan:-missing})" >&2
	exit 1
fi
