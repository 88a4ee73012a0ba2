// A fuzzer counterexample printed like every other one (src/report): the program as a litmus
// test, what the kernel and hardware did step by step, and the observations that differ from the
// ideal platform — so a nightly failure reads, and can be saved and re-checked, like `dmafuzz check`.

import { judgeExecution } from '../oracle/oracle.js';
import { printLitmus } from '../litmus/print.js';
import { explainCounterexample } from '../report/counterexample.js';
import { culpritText, explanationLines } from '../report/render.js';
import { DEFAULT_PLATFORM, type PlatformConfig } from '../platform/platform.js';
import { compileCounterexample, sizeOf, type Counterexample } from './counterexample.js';

/** The settings that differ from the default platform: what the litmus test must say. */
function settings(p: PlatformConfig): Partial<PlatformConfig> {
  return Object.fromEntries(Object.entries(p).filter(([k, v]) => DEFAULT_PLATFORM[k as keyof PlatformConfig] !== v));
}

export function formatCounterexample(x: Counterexample, title = 'counterexample'): string {
  // The litmus test carries the platform it failed on.
  const c = compileCounterexample({ ...x, program: { ...x.program, platform: settings(x.platform) } });
  const size = sizeOf(x);
  const head = `${title}: ${size.ops} op${size.ops === 1 ? '' : 's'}, ${size.events} hardware event${size.events === 1 ? '' : 's'}${x.faults?.length ? `  [model faults: ${x.faults.join(', ')}]` : ''}`;
  const verdict = judgeExecution(c, x.execution);
  if (verdict.verdict !== 'bug') return [head, '', ...printLitmus(c.program).trimEnd().split('\n').map((l) => `  ${l}`)].join('\n');
  const rep = explainCounterexample(c, x.execution, verdict);
  // A generated program has no file: the culprit by its step alone.
  return [head, ...explanationLines(rep, '  ', rep.culprit && culpritText('', rep.culprit))].join('\n');
}
