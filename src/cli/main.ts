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
import { FUZZ_USAGE, fuzzFilesCommand, namesFiles, type FuzzFilesIo } from './fuzz-files-command.js';
import { escapeControls } from '../report/one-line.js';
import { REPLAY_USAGE, replayCommand } from './replay-command.js';
import { exportCommand } from './export-command.js';

export function main(argv: string[], io: Io | FuzzFilesIo): number | Promise<number> {
  try {
    if (argv[0] === 'fuzz' && asksHelp(argv.slice(1))) {
      io.out(FUZZ_USAGE);
      return EXIT.ok;
    }
    if (argv[0] === 'fuzz' && namesFiles(argv.slice(1))) return fuzzFilesCommand(argv.slice(1), io).catch((e: unknown) => failed(e, io, argv));
    if (argv[0] === 'selftest') return fuzzCommand(argv.slice(1), io);
    if (argv[0] === 'fuzz') return fuzzCommand(argv.slice(1), io, () => io.err('dmafuzz fuzz without files runs the self-test; it is now called dmafuzz selftest'));
    if (argv[0] === 'replay' && asksHelp(argv.slice(1))) {
      io.out(REPLAY_USAGE);
      return EXIT.ok;
    }
    if (argv[0] === 'replay') return replayCommand(argv.slice(1), io);
    if (argv[0] === 'export') return exportCommand(argv.slice(1), io);
    const o = parseArgs(argv);
    if (o.command === 'help') {
      io.out(USAGE);
      return EXIT.ok;
    }
    return o.command === 'check' ? checkCommand(o, io) : builtinCommand(o, io);
  } catch (e) {
    return failed(e, io, argv);
  }
}

/** A usage error is one line and exit 2; anything else is a bug in dmafuzz: one line, exit 4. */
function failed(e: unknown, io: Io, argv: string[]): number {
  if (e instanceof UsageError) {
    io.err(`dmafuzz: ${escapeControls(e.message)}`);
    return EXIT.usage;
  }
  const line = internalErrorLine(e);
  io.err(line);
  if (wantsJson(argv)) io.out(JSON.stringify({ verdict: 'internal-error', error: line }));
  return EXIT.internal;
}

function asksHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
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
  // A reader that goes away (`dmafuzz fuzz ... | head`) must not crash a run with a stack trace
  // before it saves and reports: output to a closed pipe is dropped, the work goes on.
  const closed = new Set<NodeJS.WriteStream>();
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      closed.add(stream);
    });
  }
  const write = (stream: NodeJS.WriteStream, t: string) => void (closed.has(stream) || stream.write(t));
  const io: FuzzFilesIo = {
    out: (t) => write(process.stdout, t + '\n'),
    err: (t) => write(process.stderr, t + '\n'),
    progress: { write: (t) => write(process.stderr, t), tty: process.stderr.isTTY === true },
    // Ctrl-C / SIGTERM: stop starting work, save and report what was found; a second one kills.
    onStop: (stop) => {
      const handler = (sig: NodeJS.Signals) => {
        write(process.stderr, `\ndmafuzz: ${sig}: interrupted; stopping now, saving and reporting what was found (again to kill)\n`);
        process.off('SIGINT', handler).off('SIGTERM', handler);
        stop();
      };
      process.on('SIGINT', handler).on('SIGTERM', handler);
      return () => void process.off('SIGINT', handler).off('SIGTERM', handler);
    },
  };
  void Promise.resolve(main(process.argv.slice(2), io)).then((code) => {
    process.exitCode = code;
  });
}
