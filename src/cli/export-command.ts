// `dmafuzz export --herd FILE`: the CPU threads of a litmus test (this format or the kernel's
// `C` format) as an AArch64 herd7 test on stdout (src/litmus/herd-export.ts). Bad input is one
// line and exit 2, as for check.

import { exportHerd, HerdExportError } from '../litmus/herd-export.js';
import { LitmusError } from '../litmus/litmus-error.js';
import { parseLitmus } from '../litmus/parse.js';
import { readLitmusFile } from '../litmus/read-file.js';
import { PlatformError } from '../platform/platform.js';
import { EXIT, type Io } from './check-command.js';
import { escapeControls, oneLine } from '../report/one-line.js';
import { UsageError } from '../run/usage-error.js';

export function exportCommand(argv: string[], io: Io): number {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  if (args[0] !== '--herd' || args.length !== 2 || args[1].startsWith('-')) throw new UsageError('export takes --herd FILE: dmafuzz export --herd test.litmus > test.herd.litmus');
  const file = args[1];
  try {
    io.out(exportHerd(parseLitmus(readLitmusFile(file)).program).trimEnd());
    return EXIT.ok;
  } catch (e) {
    if (e instanceof LitmusError) io.err(`${oneLine(file)}:${e.line}:${e.col}: ${escapeControls(e.message)}`);
    else if (e instanceof HerdExportError || e instanceof PlatformError) io.err(`${oneLine(file)}: ${escapeControls(e.message)}`);
    else throw e;
    return EXIT.usage;
  }
}
