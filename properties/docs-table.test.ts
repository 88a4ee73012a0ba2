// The minimal-form table in docs/fuzzing.md says what the code checks.

import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { BUG_KINDS } from '../src/gen/bug-scenarios.js';
import { MINIMAL_FORMS } from '../src/selftest/minimal-forms.js';

test('docs/fuzzing.md lists the minimal size of every bug kind as MINIMAL_FORMS does', () => {
  const doc = readFileSync(new URL('../docs/fuzzing.md', import.meta.url), 'utf8');
  for (const kind of BUG_KINDS) {
    const row = doc.split('\n').find((l) => l.startsWith(`| ${kind} |`));
    expect(row, `no row for ${kind}`).toBeDefined();
    const [ops, events, total] = row!.split('|').slice(3, 6).map((c) => Number(c.trim()));
    const m = MINIMAL_FORMS[kind];
    expect({ kind, ops, events, total }).toEqual({ kind, ops: m.ops, events: m.events, total: m.ops + m.events });
  }
});
