// Hand-built models for the tests that serve or check one (inference, release): small enough to
// reason about every ranking.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { resolveParams, saveArtifact, topNForUser, type Manifest, type Model, type TrainParams } from '../../model/index.ts';

// The defaults, at a size small enough to reason about every ranking.
export const PARAMS: TrainParams = resolveParams({ factors: 2, epochs: 1 });

/**
 * 30 movies `m0`..`m29` whose score rises with the index (item bias i/100, zero factors), so any
 * user's ranking is m29, m28, ... minus what they have seen. Users: raw id 10 has seen m29 and m27,
 * raw id 20 has seen nothing, raw id 30 has seen m0. Popularity (cold start) is m0, m1, m2, ...
 */
export function tinyModel(nItems = 30): Model {
  const userIds = Int32Array.from([10, 20, 30]);
  const seen = [[nItems - 1, nItems - 3], [], [0]];
  const seenOffsets = new Uint32Array(userIds.length + 1);
  seen.forEach((s, u) => (seenOffsets[u + 1] = seenOffsets[u] + s.length));
  return {
    params: PARAMS,
    globalMean: 3.5,
    userIds,
    itemIds: Array.from({ length: nItems }, (_, i) => `m${i}`),
    userBias: new Float32Array(userIds.length),
    itemBias: Float32Array.from({ length: nItems }, (_, i) => i / 100),
    userFactors: new Float32Array(userIds.length * PARAMS.factors),
    itemFactors: new Float32Array(nItems * PARAMS.factors),
    seenOffsets,
    seenItems: Uint32Array.from(seen.flat()),
    popular: Uint32Array.from({ length: nItems }, (_, i) => i),
  };
}

/**
 * Writes tinyModel() as model folder `dir` with placeholder metrics and data. Format 2 adds the
 * rating model and iALS ranking parameters beside it (tinyModel again: only the format matters).
 */
export function saveTinyArtifact(dir: string, version: string, formatVersion: 1 | 2 = 1): Promise<Manifest> {
  return saveArtifact(dir, tinyModel(), {
    version,
    metrics: { rmse: 1, mae: 1 },
    data: { md5: '0'.repeat(32), ratings: 0 },
    counts: { train: 0, test: 0 },
    trainSeconds: 0,
    ...(formatVersion === 2
      ? { rating: tinyModel(), ranking: { kind: 'ials' as const, params: { factors: 2, iterations: 1, alpha: 1, lambda: 1, cgSteps: 1, initStd: 0.01, seed: 1 } } }
      : {}),
  });
}

/** Listens on an ephemeral port; resolves with the base URL and a closer. */
export async function listen(handler: (req: never, res: never) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const { createServer } = await import('node:http');
  const server: Server = createServer(handler as never);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The ranking the service uses in production (the model's own). */
export const rank = topNForUser;
