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
  { id: 'scenarios/loopback.ts#4-threads', program: loopback('loopback-4-threads', { threads: 4, sizes: SIZES, flaw: 'none' }), expect: 'ok' },
  { id: 'scenarios/loopback.ts#4-threads-fill-after-map', program: loopback('loopback-fill-after-map', { threads: 4, sizes: SIZES, flaw: 'fill-after-map' }), expect: 'bug' },
  { id: 'scenarios/loopback.ts#4-threads-read-before-unmap', program: loopback('loopback-read-before-unmap', { threads: 4, sizes: SIZES, flaw: 'read-before-unmap' }), expect: 'bug' },
  { id: 'scenarios/loopback.ts#4-threads-packed', program: loopback('loopback-packed', { threads: 4, sizes: SIZES, flaw: 'packed' }), expect: 'bug' },
  { id: 'scenarios/loopback.ts#1-thread', program: loopback('loopback-1-thread', { threads: 1, sizes: [200], flaw: 'none' }), expect: 'ok' },
  { id: 'scenarios/loopback.ts#2-threads-packed', program: loopback('loopback-2-packed', { threads: 2, sizes: [64], flaw: 'packed' }), expect: 'bug' },
];
