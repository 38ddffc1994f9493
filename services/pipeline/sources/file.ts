// A file of plain log lines (one per line) as a LineSource, for backfills and replays.
// `-` reads standard input. Lines are split on \n; a trailing \r is left to the parser.
import { createReadStream } from 'node:fs';
import type { LineSource, SourceBatch } from '../types.ts';

export interface FileSourceOptions {
  /** Lines per batch (default 10,000). */
  batchSize?: number;
}

export function createFileSource(path: string, opts: FileSourceOptions = {}): LineSource {
  const batchSize = opts.batchSize ?? 10_000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  let closing = false;
  const batch = (lines: string[]): SourceBatch => ({ lines, commit: async () => {} });

  return {
    async *batches() {
      if (path === '-') process.stdin.setEncoding('utf8');
      const stream = path === '-' ? process.stdin : createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
      let rest = '';
      let lines: string[] = [];
      // Leaving the for-await (end, close(), or the consumer stopping) destroys the stream.
      for await (const chunk of stream as AsyncIterable<string>) {
        const text = rest + chunk;
        let start = 0;
        for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
          lines.push(text.slice(start, nl));
          start = nl + 1;
          if (lines.length >= batchSize) {
            yield batch(lines);
            lines = [];
            if (closing) return;
          }
        }
        rest = text.slice(start);
      }
      if (rest !== '') lines.push(rest);
      if (lines.length > 0) yield batch(lines);
    },
    /** Ends the source after the batch in hand. */
    async close() {
      closing = true;
    },
  };
}
