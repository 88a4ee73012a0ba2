// `mkdir -p` one level at a time. Node 20's own recursive mkdir (fs.mkdirSync(dir, { recursive:
// true }) and fs.promises.mkdir) never returns where mkdir(2) answers ENOENT under a parent that
// exists — /proc/nope: it makes the parent again, which exists, and retries, forever, in C++
// where no signal handler runs. Every directory dmafuzz creates goes through here.

import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Create `dir` and its missing parents; throws mkdir(2)'s error (ENOENT, EPERM, EROFS, ENOTDIR…). */
export function makeDir(dir: string): void {
  const missing: string[] = [];
  for (let p = resolve(dir); ; p = dirname(p)) {
    try {
      statSync(p);
      break; // exists: a file there is mkdir's ENOTDIR / EEXIST below
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) throw e;
      missing.push(p);
    }
  }
  if (!missing.length) {
    if (!statSync(resolve(dir)).isDirectory()) mkdirSync(resolve(dir)); // throws EEXIST: a file is there
    return;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (e) {
      // Made meanwhile by another shard or worker: fine if it is a directory.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(p).isDirectory()) throw e;
    }
  }
}

/** A write-side file-system error in words, for a one-line message (the code kept for a search). */
export function writeErrorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory (or the file system makes none there, as /proc)',
    ENOTDIR: 'a part of the path is a file, not a directory',
    EEXIST: 'a file, not a directory, is there',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    ENAMETOOLONG: 'file name too long',
    ELOOP: 'too many levels of symbolic links',
    EIO: 'input/output error',
  };
  if (!code) throw e; // not a file-system error: a bug, reported as one
  return `${words[code] ?? 'cannot write'} (${code})`;
}
