// Hand-built models for the inference tests: small enough to reason about every ranking.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { resolveParams, topNForUser } from '../../model/index.ts';
import type { Model, TrainParams } from '../../model/types.ts';

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

/** A random model; `dupes` copies some items' factors and biases onto others to force exact ties. */
export function randomModel(seed: number, nUsers: number, nItems: number, k: number, dupes: number): Model {
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  const itemFactors = Float32Array.from({ length: nItems * k }, () => rnd() * 0.4);
  const itemBias = Float32Array.from({ length: nItems }, () => rnd());
  for (let d = 0; d < dupes && nItems > 1; d++) {
    const from = Math.floor((rnd() + 0.5) * nItems);
    const to = Math.floor((rnd() + 0.5) * nItems);
    itemFactors.copyWithin(to * k, from * k, from * k + k);
    itemBias[to] = itemBias[from];
  }
  const seen: number[][] = Array.from({ length: nUsers }, () => [...new Set(Array.from({ length: Math.floor((rnd() + 0.5) * nItems) }, () => Math.floor((rnd() + 0.5) * nItems)))]);
  const seenOffsets = new Uint32Array(nUsers + 1);
  seen.forEach((x, u) => (seenOffsets[u + 1] = seenOffsets[u] + x.length));
  return {
    params: { ...PARAMS, factors: k },
    globalMean: 3.5,
    userIds: Int32Array.from({ length: nUsers }, (_, u) => u + 1),
    itemIds: Array.from({ length: nItems }, (_, i) => `i${i}`),
    userBias: Float32Array.from({ length: nUsers }, rnd),
    itemBias,
    userFactors: Float32Array.from({ length: nUsers * k }, () => rnd() * 0.4),
    itemFactors,
    seenOffsets,
    seenItems: Uint32Array.from(seen.flat()),
    popular: Uint32Array.from({ length: nItems }, (_, i) => i),
  };
}
