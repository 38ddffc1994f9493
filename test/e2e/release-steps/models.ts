// The models the stepped-release e2e serves, all trained on the simulator's past only: the
// `future` audience watches each user's held-out ratings (pipeline/simulator/held-out.ts), and a
// model that had seen them would mark them seen and never list them, so watch-through would
// measure nothing. The split is the simulator's own (splitFutures, same ratings, fraction, seed).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadArtifact, runTraining, saveArtifact, type RankingParams } from '../../../services/model/index.ts';
import { splitFutures } from '../../../services/pipeline/simulator/held-out.ts';
import { loadRatings } from '../../../services/pipeline/simulator/ratings-input.ts';
import { seededRandom } from '../../../services/pipeline/simulator/random.ts';

export interface Tier {
  version: string;
  ranking: Partial<RankingParams>;
}

/** The clean ratings file minus every (user, movie) the simulator holds out as a future. */
export function writePast(ratingsFile: string, heldOut: number, seed: number, out: string): { past: number; future: number } {
  const { future } = splitFutures(loadRatings(ratingsFile), heldOut, seed);
  const [header, ...rows] = readFileSync(ratingsFile, 'utf8').split('\n').filter(Boolean);
  // Clean rows are `user,movie,rating,timestamp`; the file holds one row per (user, movie).
  const kept = rows.filter((row) => {
    const [user, movie] = row.split(',');
    return !future.get(Number(user))?.has(movie);
  });
  writeFileSync(out, `${[header, ...kept].join('\n')}\n`);
  let held = 0;
  for (const movies of future.values()) held += movies.size;
  return { past: kept.length, future: held };
}

export async function trainTier(pastFile: string, modelsDir: string, tier: Tier): Promise<void> {
  // The rating model (SGD) is not what is served; a small one keeps the set-up short.
  await runTraining({ ratings: pastFile, holdout: 0.1, out: join(modelsDir, tier.version), params: { factors: 8, epochs: 3, threads: 1 }, ranking: tier.ranking, version: tier.version });
}

/**
 * A model that ranks at random: `from`'s artifact with every user vector zero and a random item
 * bias, so the service's score b_i + q_i·p_u is a fixed random order (seen movies still left out).
 * Same factor count and catalogue as `from`, so it costs the service exactly as much: fast and bad.
 */
export async function writeRandomRanking(modelsDir: string, from: string, version: string, seed = 7): Promise<void> {
  const { model, manifest, rating } = await loadArtifact(join(modelsDir, from), { rating: true });
  const rnd = seededRandom(seed);
  const random = { ...model, userFactors: new Float32Array(model.userFactors.length), itemBias: Float32Array.from(model.itemBias, () => rnd()) };
  await saveArtifact(join(modelsDir, version), random, {
    version,
    metrics: manifest.metrics,
    data: manifest.data,
    counts: { train: manifest.counts.train, test: manifest.counts.test },
    holdout: manifest.holdout,
    trainSeconds: 0,
    rating,
    ranking: manifest.ranking,
  });
}
