// Point a compile() ProgramError at the declaration or op that caused it: the error carries its
// site as data (src/program/program-error.ts), the parser kept the position of each, so the user
// sees file:line:col of the line to fix; and point a report's culprit at the op it blames.

import type { Compiled } from '../exec/compile.js';
import type { ErrorSite } from '../program/program-error.js';
import type { CpuOp, DeviceOp, Program } from '../program/types.js';
import type { Pos } from './litmus-error.js';
import type { SourceMap } from './parse.js';

export function locateProgramError(where: ErrorSite | undefined, program: Program, source: SourceMap): Pos {
  switch (where?.kind) {
    case 'op': {
      const a = program.actors.findIndex((x) => x.name === where.actor);
      return source.ops[a]?.[where.op] ?? source.header;
    }
    case 'statement': return source.opPos.get(where.op as CpuOp | DeviceOp) ?? source.actors[program.actors.findIndex((x) => x.name === where.actor)] ?? source.header;
    case 'final': return source.final[where.index] ?? source.header;
    case 'buffer': return source.buffers[program.buffers.findIndex((x) => x.name === where.buffer)] ?? source.header;
    // a thread declared twice: the second declaration
    case 'actor': return source.actors[program.actors.map((x) => x.name).lastIndexOf(where.actor)] ?? source.header;
    default: return source.header;
  }
}

/**
 * Where op `op` of actor `a` of a compiled path was written: the op itself (src/exec/paths.ts
 * `from`: an op inside an `if` or a loop points at itself), else its top-level statement.
 */
export function locateOp(c: Compiled, a: number, op: number, source: SourceMap): Pos | undefined {
  const thread = c.path?.threads[a];
  const written = thread ? thread.from[op] : c.actors[a]?.actor.ops[op];
  return (written && source.opPos.get(written)) ?? source.ops[a]?.[thread ? thread.origin[op] : op];
}
