// The dead-letter file: every rejected line, as JSON lines {at, reason, line}. Written (and fsynced)
// before the batch is acknowledged, so no rejected line is ever lost. A batch replayed after a crash
// may list its lines twice; `at` (ingest time, UTC) tells the two apart.
import type { RejectReason } from '../parse/types.ts';
import { appendDurably } from './durable-append.ts';

export interface DeadLetter {
  at: string;
  reason: RejectReason;
  line: string;
}

export function formatDeadLetters(rejected: ReadonlyArray<{ reason: RejectReason; line: string }>, at: string): string {
  let out = '';
  for (const r of rejected) out += `${JSON.stringify({ at, reason: r.reason, line: r.line })}\n`;
  return out;
}

export function appendDeadLetters(path: string, rejected: ReadonlyArray<{ reason: RejectReason; line: string }>, at = new Date().toISOString()): void {
  appendDurably(path, formatDeadLetters(rejected, at));
}
