#!/usr/bin/env bash
# Measure the guest kernel's workloads (docs/kernel.md "Measurements"): each one booted on its
# own, in timing mode, on 1 CPU and on 4 CPUs (2 nodes x 2), at the test size (/etc/quick) and
# the experiment size (/etc/experiment). Prints a markdown table: instructions (all CPUs,
# boot included), simulated time, host time, checksum.
#
# usage: guests/kernel/workloads.sh [test|experiment|all]   (default all)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
which=${1:-all}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# experiment-size db needs more disk than the committed image
node bin/run-ts.js guests/mkfs.ts -o "$tmp/big.img" --size 128M --from guests/user/fs.img

declare -a runs=()
if [ "$which" != experiment ]; then
	runs+=("test|pmake 12 8" "test|eng 2 512 4" "test|rt 48 32 16 2" "test|db 512 8192 8000")
fi
if [ "$which" != test ]; then
	runs+=("experiment|pmake 64 16" "experiment|eng 4 8192 8" "experiment|rt 160 120 48 4" "experiment|db 16384 524288 200000")
fi

echo "| size | command | CPUs | instructions | simulated ms | host s | checksum |"
echo "| --- | --- | ---: | ---: | ---: | ---: | --- |"
for r in "${runs[@]}"; do
	size=${r%%|*}
	cmd=${r#*|}
	for cpus in 1 4; do
		if [ $cpus = 1 ]; then topo=(--mem 128M); else topo=(--nodes 2 --cpus-per-node 2 --mem-per-node 64M); fi
		out=$(node bin/disco.js run --no-progress --timing "${topo[@]}" --stats "$tmp/s.json" \
			--disk "$tmp/big.img" --cmdline "$cmd" guests/kernel/kernel.elf)
		sum=$(grep -o 'checksum [0-9a-f]*' <<<"$out" | cut -d' ' -f2)
		node -e '
			const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
			const f = (n) => n.toLocaleString("en-US");
			console.log(`| ${process.argv[2]} | \`${process.argv[3]}\` | ${process.argv[4]} | ${f(s.instructions)} | ${(s.simulatedNs / 1e6).toFixed(1)} | ${s.hostSeconds.toFixed(1)} | ${process.argv[5]} |`);
		' "$tmp/s.json" "$size" "$cmd" "$cpus" "$sum"
	done
done
