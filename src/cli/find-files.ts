// The files `dmafuzz check` reads: files named on the command line as they are, and every
// *.litmus file under a directory, in a stable order.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './args.js';

export function litmusFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new UsageError(`${p}: no such file or directory`);
    }
    if (!isDir) out.push(p);
    else {
      const found = walk(p);
      if (!found.length) throw new UsageError(`${p}: no *.litmus files in this directory`);
      out.push(...found);
    }
  }
  return out;
}

function walk(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : walk(path);
    return e.isFile() && e.name.endsWith('.litmus') ? [path] : [];
  });
}
