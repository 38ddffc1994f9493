// Child process for the crash test: merges numbered batches into a clean store forever, printing
// `committed <i>` once batch i is durable, until it is killed.
//   tsx store-writer.ts <dataDir> <firstBatch>
import { collapseEvents } from '../../clean/rows.ts';
import { CleanStore } from '../../clean/store.ts';
import { parseLine } from '../../parse/line.ts';
import type { LogEvent } from '../../parse/types.ts';

/** Batch i: 200 new (user, movie) ratings, plus a new rating of the one hot pair. */
export function batchLines(i: number): string[] {
  const at = `2023-01-01T${String(Math.floor(i / 60) % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00`;
  const lines = [`${at},1,GET /rate/hot+1=${(i % 5) + 1}`];
  for (let k = 0; k < 200; k++) lines.push(`${at},${i * 200 + k + 2},GET /rate/m+${k % 13}=${((i + k) % 5) + 1}`);
  return lines;
}

if (process.argv[1]?.endsWith('store-writer.ts')) {
  const [dir, first] = process.argv.slice(2);
  const store = CleanStore.open(dir, { compactAfterRows: 500 });
  for (let i = Number(first); ; i++) {
    store.merge(collapseEvents(batchLines(i).map((l) => parseLine(l) as LogEvent)));
    process.stdout.write(`committed ${i}\n`);
  }
}
