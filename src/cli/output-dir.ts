// Output directories (--corpus, --report, --save-failures) are checked before any work, so a bad
// one is one line naming the option at once — not found out at the first failure or at the end
// of an eight-hour box. Checked by doing it: the directory is created and a probe file written
// and removed (permission bits say nothing of /proc, /sys, a read-only mount or a full disk).

import { closeSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { makeDir, writeErrorText } from '../report/make-dir.js';
import { oneLine } from '../report/one-line.js';
import { UsageError } from '../run/usage-error.js';

/** Make `dir` (and its parents) and write a probe file in it, or one UsageError naming the option. */
export function writableDir(option: string, dir: string): void {
  const named = `${option} ${oneLine(dir)}`;
  // A file where a directory should be is named: the path itself or the part of it that is a file.
  for (let p = resolve(dir); ; p = dirname(p)) {
    let st;
    try {
      st = statSync(p);
    } catch {
      if (dirname(p) === p) break;
      continue;
    }
    if (!st.isDirectory()) throw new UsageError(`${named}: ${p === resolve(dir) ? 'not a directory' : `${oneLine(p)} is not a directory`}`);
    break;
  }
  try {
    makeDir(dir);
  } catch (e) {
    throw new UsageError(`${named}: cannot create the directory: ${writeErrorText(e)}`);
  }
  // Hidden and neither *.litmus nor *.json: `check DIR` and the corpus never read a leftover one.
  const probe = join(dir, `.dmafuzz-probe-${process.pid}`);
  let fd: number | undefined;
  try {
    fd = openSync(probe, 'wx');
    writeSync(fd, 'dmafuzz checks it can write here\n');
  } catch (e) {
    throw new UsageError(`${named}: cannot write a file there: ${writeErrorText(e)}`);
  } finally {
    if (fd !== undefined) {
      closeSync(fd);
      unlinkSync(probe);
    }
  }
}
