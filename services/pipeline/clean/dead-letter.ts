// The dead-letter file: every rejected line, written (and fsynced) before its batch is acknowledged,
// so no rejection goes unrecorded. A batch replayed after a crash may list its lines twice; `at`
// (ingest time, UTC) tells the two apart.
//
// Format (JSON Lines, one entry a line, keys in this order so a person reads the facts first):
//   {"at":"2026-12-02T00:39:12.345Z","reason":"malformed","bytes":1048576,"sha256":"<64 hex>","truncated":true,"line":"garbage…"}
//   at        ingest time, ISO-8601 UTC
//   reason    the parser's RejectReason
//   bytes     length of the whole rejected line in UTF-8 bytes
//   sha256    hex SHA-256 of the whole line (UTF-8): finds it in the source, or its repeats
//   truncated true when `line` is only a prefix
//   line      the line, or its first `maxLineBytes` bytes cut at a character boundary
// Bounded: an entry holds at most `maxLineBytes` of the line (a 1 MB garbage line costs ~1 KB), and
// the file rotates before it would pass `maxFileBytes`: dead-letter.log -> .1 -> .2 ... -> .<keepFiles>,
// the oldest dropped. At most (keepFiles + 1) files of about maxFileBytes each, whatever arrives; the
// run's report still counts every rejected line by reason. readDeadLetters() reads them back in order.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { RejectReason } from '../parse/types.ts';
import { appendDurably } from './durable-append.ts';
import { MarqueeError } from '../../core/errors.ts';

export interface DeadLetter {
  at: string;
  reason: RejectReason;
  bytes: number;
  sha256: string;
  truncated: boolean;
  line: string;
}

export interface DeadLetterLimits {
  /** Bytes of a rejected line kept in its entry. */
  maxLineBytes: number;
  /** The file rotates before an entry would take it past this size. */
  maxFileBytes: number;
  /** Rotated files kept beside the current one (`<path>.1` newest ... `<path>.<keepFiles>` oldest). */
  keepFiles: number;
}

export const DEFAULT_DEAD_LETTER_LIMITS: DeadLetterLimits = { maxLineBytes: 1024, maxFileBytes: 10 * 1024 * 1024, keepFiles: 5 };

type Rejected = { reason: RejectReason; line: string };

/** The first `max` bytes of `buf` without splitting a UTF-8 character. */
function utf8Prefix(buf: Buffer, max: number): string {
  if (buf.length <= max) return buf.toString('utf8');
  let end = max;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--; // buf[end] continues a character: back off to its start
  return buf.subarray(0, end).toString('utf8');
}

export function deadLetterEntry(r: Rejected, at: string, maxLineBytes: number): DeadLetter {
  const buf = Buffer.from(r.line, 'utf8');
  const truncated = buf.length > maxLineBytes;
  return {
    at,
    reason: r.reason,
    bytes: buf.length,
    sha256: createHash('sha256').update(buf).digest('hex'),
    truncated,
    line: truncated ? utf8Prefix(buf, maxLineBytes) : r.line,
  };
}

/** `<path>` -> `<path>.1` -> ... -> `<path>.<keep>`; the oldest is dropped. */
function rotate(path: string, keep: number): void {
  rmSync(`${path}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
  renameSync(path, `${path}.1`);
}

export function appendDeadLetters(
  path: string,
  rejected: ReadonlyArray<Rejected>,
  limits: DeadLetterLimits = DEFAULT_DEAD_LETTER_LIMITS,
  at = new Date().toISOString(),
): void {
  if (rejected.length === 0) return;
  let size = existsSync(path) ? statSync(path).size : 0;
  let chunk = '';
  let chunkBytes = 0;
  for (const r of rejected) {
    const text = `${JSON.stringify(deadLetterEntry(r, at, limits.maxLineBytes))}\n`;
    const n = Buffer.byteLength(text);
    // An entry larger than the limit on its own still gets a file of its own rather than none.
    if (size + chunkBytes > 0 && size + chunkBytes + n > limits.maxFileBytes) {
      appendDurably(path, chunk);
      rotate(path, limits.keepFiles);
      size = 0;
      chunk = '';
      chunkBytes = 0;
    }
    chunk += text;
    chunkBytes += n;
  }
  appendDurably(path, chunk);
}

const deadLetterSchema = z.object({
  at: z.string(),
  reason: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  truncated: z.boolean(),
  line: z.string(),
});

/**
 * Every entry of `path` and its rotated files, oldest first. A torn last line (a writer killed
 * mid-append; its batch was never acknowledged and comes again) is skipped; any other bad line
 * throws `file:line: reason`.
 */
export function readDeadLetters(path: string, keepFiles = DEFAULT_DEAD_LETTER_LIMITS.keepFiles): DeadLetter[] {
  const files = [...Array.from({ length: keepFiles }, (_, i) => `${path}.${keepFiles - i}`), path].filter((f) => existsSync(f));
  const out: DeadLetter[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.pop(); // '' after the last newline, or a torn line without one
    lines.forEach((text, i) => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new MarqueeError('INPUT', `${file}:${i + 1}: not a JSON dead-letter entry`);
      }
      const parsed = deadLetterSchema.safeParse(value);
      if (!parsed.success) throw new MarqueeError('INPUT', `${file}:${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
      out.push(parsed.data as DeadLetter);
    });
  }
  return out;
}
