// Output directories (--corpus, --report, --save-failures) are checked before any work, so a bad
// one is one line naming the option at once — not found out at the first failure or at the end
// of an eight-hour box.

import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fsErrorMessage } from '../litmus/read-file.js';
import { oneLine } from '../report/one-line.js';
import { UsageError } from '../run/usage-error.js';

/** An output directory that is a directory or can become one: checked before any work. */
export function writableDir(option: string, dir: string): void {
  let probe = resolve(dir);
  for (;;) {
    let st;
    try {
      st = statSync(probe);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(probe) === probe) throw new UsageError(`${option} ${oneLine(dir)}: ${fsErrorMessage(e)}`);
      probe = dirname(probe);
      continue;
    }
    if (!st.isDirectory()) throw new UsageError(`${option} ${oneLine(dir)}: ${probe === resolve(dir) ? 'not a directory' : `${oneLine(probe)} is not a directory`}`);
    try {
      accessSync(probe, constants.W_OK | constants.X_OK);
    } catch {
      throw new UsageError(`${option} ${oneLine(dir)}: ${oneLine(probe)} is not writable`);
    }
    return;
  }
}

