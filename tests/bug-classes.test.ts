import { test, expect } from 'vitest';
import { BUG_CLASSES } from '../scenarios/bug-classes.js';
import { NEVER_FLAG } from '../scenarios/never-flag.js';
import { compile } from '../src/exec/compile.js';
import { makePlatform } from '../src/platform/platform.js';
import { judgeExecution } from '../src/oracle/oracle.js';
import { explore } from '../src/oracle/explore.js';

for (const k of BUG_CLASSES) {
  test(k.id, () => {
    const c = compile(k.buggy, makePlatform(k.buggy.platform));
    const v = judgeExecution(c, k.witness((b) => c.layout.buffers.get(b)!.addr));
    if (v.verdict !== 'bug') console.log(k.id, JSON.stringify(v));
    expect(v.verdict).toBe('bug');
    const f = compile(k.fixed, makePlatform(k.fixed.platform));
    const r = explore(f, { runs: 200, seed: 7 });
    if (r.verdict !== 'ok') console.log(k.id, JSON.stringify(r.counterexample));
    expect(r.verdict).toBe('ok');
    const rb = explore(c, { runs: 300, seed: 7 });
    console.log(k.id, 'explore buggy', rb.verdict, rb.executions, JSON.stringify(rb.counterexample?.execution));
  });
}
for (const k of NEVER_FLAG) {
  test(k.id, () => {
    const c = compile(k.program, makePlatform(k.program.platform));
    const r = explore(c, { runs: 300, seed: 7 });
    if (r.verdict !== 'ok') console.log(k.id, JSON.stringify(r.counterexample));
    expect(r.verdict).toBe('ok');
  });
}
