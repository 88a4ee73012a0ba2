#!/usr/bin/env node
// dmafuzz: find DMA coherence and ordering bugs of Linux drivers on non-coherent arm64.
// Bad input never shows a stack trace: one line, exit status 2. An exception nobody expected is
// one line too, naming itself as a bug in dmafuzz, with exit status 4 so CI can tell them apart.

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs, USAGE, UsageError } from './args.js';
import { builtinCommand } from './builtin-command.js';
import { checkCommand, EXIT, internalErrorLine, type Io } from './check-command.js';
import { fuzzCommand } from './fuzz-command.js';
import { escapeControls } from './one-line.js';
import { replayCommand } from './replay-command.js';

export function main(argv: string[], io: Io): number {
  try {
    if (argv[0] === 'fuzz') return fuzzCommand(argv.slice(1), io);
    if (argv[0] === 'replay') return replayCommand(argv.slice(1), io);
    const o = parseArgs(argv);
    if (o.command === 'help') {
      io.out(USAGE);
      return EXIT.ok;
    }
    return o.command === 'check' ? checkCommand(o, io) : builtinCommand(o, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`dmafuzz: ${escapeControls(e.message)}`);
      return EXIT.usage;
    }
    const line = internalErrorLine(e);
    io.err(line);
    if (wantsJson(argv)) io.out(JSON.stringify({ verdict: 'internal-error', error: line }));
    return EXIT.internal;
  }
}

function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/** Run when executed (also through npm's bin symlink), not when imported by tests. */
function isEntryPoint(): boolean {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? '')).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = main(process.argv.slice(2), {
    out: (t) => process.stdout.write(t + '\n'),
    err: (t) => process.stderr.write(t + '\n'),
  });
}
