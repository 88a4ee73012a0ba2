// The worker-thread entry of `dmafuzz fuzz FILES --workers N` (tinypool runs its default export).

import { runBatch, runShrink, type BatchResult, type BatchTask, type ShrinkTask } from './batch.js';
import type { ShrunkFailure } from './shrink.js';

export default function work(task: BatchTask | ShrinkTask): BatchResult | ShrunkFailure {
  return task.kind === 'shrink' ? runShrink(task) : runBatch(task);
}
