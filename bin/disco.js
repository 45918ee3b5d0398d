#!/usr/bin/env node
// Entry point of the `disco` command.
//
// The CLI runs from one bundled ES module, dist/disco.mjs, which esbuild builds from the
// TypeScript sources (about 50 ms) whenever a source under cpu/ or vmm/ is newer than it. One
// bundled file starts about three times faster and smaller than loading every module through
// tsx, and keeps native ES module bindings (no CommonJS getters on the interpreter's imports).
// If the bundle cannot be built, or DISCO_NO_BUNDLE=1, the sources run through tsx's ESM loader.
import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'disco.mjs');

/** Newest modification time of the .ts files below `dirs`. */
function newestSource(dirs) {
  let newest = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) walk(join(root, d));
  return newest;
}

async function ensureBundle() {
  let stale = true;
  try {
    stale = statSync(bundle).mtimeMs < newestSource(['cpu', 'vmm']);
  } catch {
    stale = true;
  }
  if (!stale) return true;
  try {
    const esbuild = await import('esbuild');
    mkdirSync(dirname(bundle), { recursive: true });
    const tmp = `${bundle}.${process.pid}.tmp`;
    await esbuild.build({
      entryPoints: [join(root, 'vmm/cli.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile: tmp,
      logLevel: 'silent',
    });
    renameSync(tmp, bundle); // atomic: concurrent starts never see a half-written bundle
    return true;
  } catch {
    return false;
  }
}

let entry;
if (!process.env.DISCO_NO_BUNDLE && (await ensureBundle())) {
  entry = pathToFileURL(bundle).href;
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = pathToFileURL(join(root, 'vmm/cli.ts')).href;
}
const { main } = await import(entry);
main(process.argv);
