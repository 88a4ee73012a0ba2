// npm run replay -- <failure.json>
// npm run replay -- --target bug-class:4 --seed 42 --path 0:1:2 [--faults sync-for-cpu-skips-invalidate]
// Prints the counterexample and exits 1 while it still fails (0 once it is fixed).

import { parseArgs } from 'node:util';
import type { ModelFault } from '../platform/platform.js';
import { replay } from './replay.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { target: { type: 'string' }, seed: { type: 'string' }, path: { type: 'string' }, faults: { type: 'string' } },
});

const source = positionals[0]
  ?? (values.target && values.seed !== undefined
    ? { target: values.target, seed: Number(values.seed), path: values.path ?? '', ...(values.faults ? { faults: values.faults.split(',') as ModelFault[] } : {}) }
    : undefined);
if (!source) {
  console.error('usage: npm run replay -- <failure.json> | --target <name> --seed <n> --path <p> [--faults a,b]');
  process.exit(2);
}
const r = replay(source);
console.log(r.text);
process.exit(r.verdict.verdict === 'bug' ? 1 : 0);
