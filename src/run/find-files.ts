// The files `dmafuzz check` reads: files named on the command line as they are, and every entry
// named *.litmus under a directory, in a stable order. Subdirectories are searched; symbolic
// links to directories are not followed (no loops). A *.litmus entry that is not a regular file
// (a FIFO, a dangling link) is still listed, so reading it reports why instead of skipping it.
// Hidden entries (.name) are not searched.

import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { fsErrorMessage } from '../litmus/read-file.js';
import { oneLine } from '../report/one-line.js';
import { UsageError } from './usage-error.js';

export function litmusFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      throw new UsageError(`${oneLine(p)}: ${fsErrorMessage(e)}`);
    }
    if (!isDir) out.push(p);
    else {
      const found = walk(p);
      if (!found.length) throw new UsageError(`${oneLine(p)}: no *.litmus files in this directory`);
      out.push(...found);
    }
  }
  return out;
}

/** Depth-first, names sorted. Recursion depth is bounded by PATH_MAX (4096 bytes: ≤ 2048 levels). */
function walk(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new UsageError(`${oneLine(dir)}: ${fsErrorMessage(e).replace('cannot read', 'cannot read the directory')}`);
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name)).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : walk(path);
    // hidden files are skipped: a temporary file a killed writer left is not a test
    return e.name.endsWith('.litmus') && !e.name.startsWith('.') ? [path] : [];
  });
}
