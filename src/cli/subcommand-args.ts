// Options of the `fuzz` and `replay` subcommands, through node's parseArgs, with every mistake
// turned into a one-line UsageError (never node's stack trace).

import { parseArgs } from 'node:util';
import { UsageError } from './args.js';

/** Every option of these subcommands takes a value: --name VALUE. */
export function parseSubcommand(command: string, argv: string[], names: string[], allowPositionals = false): { values: Record<string, string | undefined>; positionals: string[] } {
  const options = Object.fromEntries(names.map((n) => [n, { type: 'string' as const }]));
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: values as Record<string, string | undefined>, positionals };
  } catch (e) {
    const message = e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e);
    throw new UsageError(`${command}: ${message} (see dmafuzz --help)`);
  }
}

/** A whole number ≥ min given to --name, or a UsageError naming the option. */
export function wholeNumber(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) {
    throw new UsageError(`--${name} takes a whole number ≥ ${min}, not '${text}'`);
  }
  return Number(text);
}
