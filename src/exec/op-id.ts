// One op of one actor as a number (Machine.order, maps keyed by op): actor * 65536 + op index.
// A program has far fewer than 65,536 ops per actor (src/program/limits.ts caps statements).

export type OpId = number;

const OPS_PER_ACTOR = 65536;

export function opId(actor: number, op: number): OpId {
  return actor * OPS_PER_ACTOR + op;
}

export function actorOf(id: OpId): number {
  return Math.floor(id / OPS_PER_ACTOR);
}

export function opOf(id: OpId): number {
  return id % OPS_PER_ACTOR;
}
