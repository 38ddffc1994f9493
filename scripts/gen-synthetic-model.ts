// A random (untrained) model artifact at production scale, for size and load-time benchmarks:
// `tsx scripts/gen-synthetic-model.ts --out DIR [--users 1000000] [--items 27000] [--factors 100] [--seen 20] [--seed 1]`
// Factors are uniform noise; each user gets between seen/2 and 3·seen/2 distinct seen items.
import { pathToFileURL } from 'node:url';
import { parseArgs, UsageError } from '../services/core/args.ts';
import { runCli } from '../services/core/cli.ts';
import { defaultParams, saveArtifact, type Manifest, type Model } from '../services/model/index.ts';

export interface SyntheticSpec {
  users: number;
  items: number;
  factors: number;
  /** Mean seen items per user. */
  seen: number;
  seed: number;
}

export const defaultSpec: SyntheticSpec = { users: 1_000_000, items: 27_000, factors: 100, seen: 20, seed: 1 };

export function generateSyntheticModel(spec: SyntheticSpec): Model {
  const { users, items, factors, seen } = spec;
  let s = spec.seed >>> 0 || 1;
  // xorshift32: plenty for filler data, and fast enough for 10^8 values.
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const noise = (length: number, scale: number) => {
    const out = new Float32Array(length);
    for (let j = 0; j < length; j++) out[j] = (next() - 0.5) * scale;
    return out;
  };
  const userIds = new Int32Array(users);
  for (let u = 0; u < users; u++) userIds[u] = u + 1;
  // Distinct, ascending seen items without sorting: one item from each of `count` equal buckets.
  const seenOffsets = new Uint32Array(users + 1);
  const counts = new Uint32Array(users);
  for (let u = 0; u < users; u++) {
    counts[u] = Math.min(items, Math.max(1, Math.round(seen / 2 + next() * seen)));
    seenOffsets[u + 1] = seenOffsets[u] + counts[u];
  }
  const seenItems = new Uint32Array(seenOffsets[users]);
  for (let u = 0; u < users; u++) {
    const count = counts[u];
    const bucket = items / count;
    for (let j = 0; j < count; j++) seenItems[seenOffsets[u] + j] = Math.floor(j * bucket + next() * bucket);
  }
  return {
    params: { ...defaultParams, factors },
    globalMean: 3.5,
    userIds,
    itemIds: Array.from({ length: items }, (_, i) => `synthetic+movie+${i}+${1920 + (i % 100)}`),
    userBias: noise(users, 0.5),
    itemBias: noise(items, 0.5),
    userFactors: noise(users * factors, 0.2),
    itemFactors: noise(items * factors, 0.2),
    seenOffsets,
    seenItems,
    popular: Uint32Array.from({ length: Math.min(1000, items) }, (_, i) => i),
  };
}

export async function writeSyntheticModel(dir: string, spec: SyntheticSpec = defaultSpec): Promise<Manifest> {
  const model = generateSyntheticModel(spec);
  return saveArtifact(dir, model, {
    version: 'synthetic',
    metrics: { rmse: 0, mae: 0 },
    data: { md5: '0'.repeat(32), ratings: 0 },
    counts: { train: 0, test: 0 },
    trainSeconds: 0,
  });
}

const USAGE = 'usage: tsx scripts/gen-synthetic-model.ts --out DIR [--users N] [--items N] [--factors N] [--seen N] [--seed N]';

async function main(argv: string[]): Promise<number> {
  const spec = { ...defaultSpec };
  const args = parseArgs(argv, { out: 'string', users: 'string', items: 'string', factors: 'string', seen: 'string', seed: 'string' });
  const out = args.out as string | undefined;
  if (!out) throw new UsageError('--out DIR is required');
  for (const key of ['users', 'items', 'factors', 'seen', 'seed'] as const) {
    const v = args[key];
    if (v === undefined) continue;
    const n = Number(v);
    if (!Number.isInteger(n) || n < (key === 'seed' ? 0 : 1)) throw new UsageError(`--${key} must be a positive integer, got '${String(v)}'`);
    spec[key] = n;
  }
  const t0 = performance.now();
  const manifest = await writeSyntheticModel(out, spec);
  process.stdout.write(`wrote ${out}: ${manifest.artifact.size} bytes in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) runCli('gen-synthetic-model', USAGE, main);
