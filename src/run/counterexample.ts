// A counterexample as plain data: the platform, the program and the execution (with its path
// through the program's branches, loops and `exists`). It is what a saved failure holds, what
// `dmafuzz replay` and `check --replay` judge, and what every shrinker edits — whichever command
// found it (check, fuzz FILES, selftest).

import type { Execution } from '../exec/execution.js';
import type { ModelFault, PlatformConfig } from '../platform/platform.js';
import type { Program } from '../program/types.js';

export interface Counterexample {
  platform: PlatformConfig;
  /** Deliberate model breakages the failure was found under (tests of the harness only). */
  faults?: ModelFault[];
  program: Program;
  execution: Execution;
}
