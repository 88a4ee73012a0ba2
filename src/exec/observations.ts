// What an execution lets the program see: every value a CPU or device read returned, which
// actors finished (a hang is an observation), and the final contents the program declares.

export interface Observations {
  /** Per actor, per op index: the value a read returned (undefined for non-reads or ops not performed). */
  reads: Record<string, (string | undefined)[]>;
  done: Record<string, boolean>;
  final: string[];
  /** "actor:op" of a dma_mapping_error() that returned true: the driver bailed out there. */
  bailedOut?: string;
}

export function observationKey(o: Observations): string {
  return JSON.stringify([o.reads, o.done, o.final, o.bailedOut ?? null]);
}

/**
 * observationKey(a) === observationKey(b), without building the strings: the oracle compares
 * observations once per execution and the witness search once per leaf. Actor order counts,
 * as it does in the key; a missing read equals only a missing read.
 */
export function sameObservations(a: Observations, b: Observations): boolean {
  if ((a.bailedOut ?? null) !== (b.bailedOut ?? null)) return false;
  if (!sameList(a.final, b.final)) return false;
  const actors = Object.keys(a.reads);
  if (!sameList(actors, Object.keys(b.reads))) return false;
  for (const name of actors) if (!sameList(a.reads[name], b.reads[name])) return false;
  const done = Object.keys(a.done);
  if (!sameList(done, Object.keys(b.done))) return false;
  for (const name of done) if (a.done[name] !== b.done[name]) return false;
  return true;
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface ObservationDiff {
  what: string;
  model: string;
  ideal: string;
}

/** The observations that differ, in reader's terms (used to show a counterexample): label names a read, finalLabel a final range. */
export function diffObservations(model: Observations, ideal: Observations, label: (actor: string, op: number) => string, finalLabel = (i: number) => `final #${i}`): ObservationDiff[] {
  const out: ObservationDiff[] = [];
  for (const actor of Object.keys(model.reads)) {
    const a = model.reads[actor];
    const b = ideal.reads[actor] ?? [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] !== b[i]) out.push({ what: label(actor, i), model: a[i] ?? 'not performed', ideal: b[i] ?? 'not performed' });
    }
    if (model.done[actor] !== ideal.done[actor]) {
      out.push({ what: `${actor} finished`, model: model.done[actor] ? 'yes' : 'no (hangs)', ideal: ideal.done[actor] ? 'yes' : 'no (hangs)' });
    }
  }
  model.final.forEach((v, i) => {
    if (v !== ideal.final[i]) out.push({ what: finalLabel(i), model: v, ideal: ideal.final[i] });
  });
  return out;
}
