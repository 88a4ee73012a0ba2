// The one way dmafuzz writes a file it must not leave half-written: whole, under a hidden
// temporary name in the same directory (hidden and not *.litmus or *.json: `check DIR` and the
// corpus never read a leftover one), then moved into place — hard-linked when nothing a user
// saved may be overwritten (saved failures, the corpus), renamed over the old one when the file
// is the command's own output (the --report pages).

import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Write `text` at `path` whole or not at all. Unless `replace`, never over a file already there:
 * false if the name is taken (link(2) fails with EEXIST, atomically).
 */
export function writeWhole(path: string, text: string, o: { replace?: boolean } = {}): boolean {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (o.replace) {
    try {
      renameSync(tmp, path);
    } catch (e) {
      unlinkSync(tmp);
      throw e;
    }
    return true;
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}
