// Point a compile() ProgramError at the declaration or op that caused it. compile() and
// layoutProgram() name the culprit at the start of the message ("cpu0 op 3 (dma_map): ...",
// "buffer 'x' ...", "field 'x' ...", "final #0: ...", "actor 'x' ..."); the parser kept the
// position of each, so the user sees file:line:col of the line to fix.

import type { Program } from '../program/types.js';
import type { Pos } from './litmus-error.js';
import type { SourceMap } from './parse.js';

export function locateProgramError(message: string, program: Program, source: SourceMap): Pos {
  const op = /^(\S+) op (\d+) \(/.exec(message);
  if (op) {
    const a = program.actors.findIndex((x) => x.name === op[1]);
    const pos = source.ops[a]?.[Number(op[2]) - 1];
    if (pos) return pos;
  }
  const fin = /^final #(\d+)/.exec(message);
  if (fin && source.final[Number(fin[1])]) return source.final[Number(fin[1])];
  const buf = /^(?:buffer|field) '([^']+)'/.exec(message);
  if (buf) {
    const b = program.buffers.findIndex((x) => x.name === buf[1]);
    if (source.buffers[b]) return source.buffers[b];
  }
  const actor = /^actor '([^']+)'/.exec(message);
  if (actor) {
    const a = program.actors.map((x) => x.name).lastIndexOf(actor[1]);
    if (source.actors[a]) return source.actors[a];
  }
  return source.header;
}

/** Drop compile()'s "cpu0 op 3 (dma_map): " prefix once the position says where. */
export function stripLocation(message: string): string {
  return message.replace(/^\S+ op \d+ \([a-z_]+\): /, '').replace(/^final #\d+: /, '');
}
