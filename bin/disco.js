#!/usr/bin/env node
// Entry point of the `disco` command: loads the TypeScript sources as native ES modules
// through tsx's ESM loader (no CommonJS getters on the interpreter's imports).
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../vmm/cli.ts');
main(process.argv);
