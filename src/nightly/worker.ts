// The worker-thread entry of `dmafuzz fuzz FILES --workers N` (tinypool runs its default export).

import { runBatch, type BatchTask, type BatchResult } from './batch.js';

export default function work(task: BatchTask): BatchResult {
  return runBatch(task);
}
