#!/usr/bin/env node
// dmafuzz: find DMA coherence and ordering bugs of Linux drivers on non-coherent arm64.
// Bad input never shows a stack trace: one line, exit status 2.

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs, USAGE, UsageError } from './args.js';
import { builtinCommand } from './builtin-command.js';
import { checkCommand, EXIT, type Io } from './check-command.js';
import { fuzzCommand } from './fuzz-command.js';
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
      io.err(`dmafuzz: ${e.message}`);
      return EXIT.usage;
    }
    io.err(`dmafuzz: internal error: ${e instanceof Error ? e.message : String(e)} (please report it with the file you checked)`);
    return EXIT.usage;
  }
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
