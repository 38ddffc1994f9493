// Lines held in memory as a LineSource (tests, benchmarks, programmatic replays).
// `committed` counts acknowledged lines, so callers can see what was committed.
import type { LineSource } from '../types.ts';

export interface ArraySource extends LineSource {
  readonly committed: number;
}

export function createArraySource(lines: ReadonlyArray<string>, batchSize = 10_000): ArraySource {
  let committed = 0;
  return {
    get committed() {
      return committed;
    },
    async *batches() {
      for (let i = 0; i < lines.length; i += batchSize) {
        const chunk = lines.slice(i, i + batchSize);
        yield {
          lines: chunk,
          commit: async () => {
            committed += chunk.length;
          },
        };
      }
    },
    async close() {},
  };
}
