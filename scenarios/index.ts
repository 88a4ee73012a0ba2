// The built-in TypeScript scenarios with their expected verdicts. `dmafuzz` with no arguments
// checks these together with every scenarios/*.litmus file. Each verdict is what the reference
// (kernel-dma-semantics.md) says is true; the model must reproduce it by exploring.

import type { Program } from '../src/program/types.js';
import { BUG_CLASSES } from './bug-classes.js';
import { loopback } from './loopback.js';
import { NEVER_FLAG } from './never-flag.js';

export interface Scenario {
  /** Where it is defined and its id there, e.g. "scenarios/bug-classes.ts#c1-read-without-sync". */
  id: string;
  program: Program;
  expect: 'bug' | 'ok';
}

const SIZES = [64, 256, 1024, 4096];


export const TS_SCENARIOS: Scenario[] = [
  ...BUG_CLASSES.flatMap((k): Scenario[] => [
    { id: `scenarios/bug-classes.ts#${k.id}`, program: k.buggy, expect: 'bug' },
    { id: `scenarios/bug-classes.ts#${k.id}-fixed`, program: k.fixed, expect: 'ok' },
  ]),
  ...NEVER_FLAG.map((k): Scenario => ({ id: `scenarios/never-flag.ts#${k.id}`, program: k.program, expect: 'ok' })),
  // The article's stress test: 4 threads, sizes 64 to 4096, odd addresses, a buffer across a page.
  { id: 'scenarios/loopback.ts#4-threads', program: loopback('loopback-4-threads', { threads: 4, sizes: SIZES, flaw: 'none' }), expect: 'ok' },
  // Broken variants with 2 threads: proving a counterexample has no ideal witness means exhausting
  // the ideal interleavings, which grows with every independent thread.
  ...(['fill-after-map', 'read-before-unmap', 'packed'] as const).map((flaw): Scenario => ({
    id: `scenarios/loopback.ts#2-threads-${flaw}`, program: loopback(`loopback-${flaw}`, { threads: 2, sizes: [64, 256], flaw }), expect: 'bug',
  })),
];
