// Course-scale training benchmark (`npm run bench -- ranking-scale`): a synthetic 1,000,000 users
// × 27,000 movies × 10,000,000 interactions with long-tailed popularity, trained the way the
// pipeline trains (both models, default parameters; iALS on 2 threads, SGD on 1), then the format-2 artifact is
// written and loaded as the service loads it.
//   - Movie popularity is Zipf-like: P(movie of rank r) ∝ 1 / (r + 10)^1.1, so the top 1 % of the
//     catalogue gets about half the interactions, and half the catalogue shares about 4 %.
//   - Users' activity is log-normal (median ~6, mean 10 interactions; a few thousand); each user
//     has one of 20 tastes and draws half of their movies from that taste's share of the catalogue
//     (so there is structure to learn) and half from the whole chart.
//   - Every interaction is a watch (minutes 1..120); 20 % also carry a rating (1..5, mostly 3-5):
//     the course's stream is mostly watch lines, few ratings. The rating model trains on those 2M.
// Figures: wall time of each model's training, peak resident memory of the process (maxRSS),
// model.bin / rating.bin sizes, loadArtifact of the served model (min/median/max of 3) and of
// both files. RANKING_SCALE_USERS / _MOVIES / _INTERACTIONS shrink it for a quick look.
import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  defaultIalsParams,
  defaultParams,
  loadArtifact,
  nextFloat,
  saveArtifact,
  seedState,
  trainModel,
  trainRankingModel,
  type Interaction,
  type Rating,
} from '../../services/model/index.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const log = (msg: string) => process.stdout.write(`${msg}\n`);
const envInt = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const TASTES = 20;
const DAY_MS = 86_400_000;

interface Synthetic {
  interactions: Interaction[];
  ratings: Rating[];
}

function peakRssGb(): number {
  return process.resourceUsage().maxRSS / 1024 / 1024;
}

/** Cumulative Zipf-like weights 1 / (r + 10)^1.1 over ranks 0..n-1, for sampling by binary search. */
function zipfCdf(n: number): Float64Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) cdf[r] = sum += 1 / (r + 10) ** 1.1;
  for (let r = 0; r < n; r++) cdf[r] /= sum;
  return cdf;
}

function sample(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function generate(nUsers: number, nMovies: number, nInteractions: number): Synthetic {
  const rng = seedState(2026, 9);
  const rand = () => nextFloat(rng);
  // A shuffled catalogue: popularity rank -> movie, so ids do not sort by popularity.
  const movieOfRank = Array.from({ length: nMovies }, (_, r) => r);
  for (let j = nMovies - 1; j > 0; j--) {
    const k = Math.floor(rand() * (j + 1));
    [movieOfRank[j], movieOfRank[k]] = [movieOfRank[k], movieOfRank[j]];
  }
  const ids = Array.from({ length: nMovies }, (_, m) => `movie+${m}+${1950 + (m % 70)}`);
  const global = zipfCdf(nMovies);
  const perTaste = Math.floor(nMovies / TASTES);
  const tasteCdf = zipfCdf(perTaste);
  // Log-normal activity scaled to the wanted total.
  const weights = new Float64Array(nUsers);
  let total = 0;
  for (let u = 0; u < nUsers; u++) {
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    total += weights[u] = Math.exp(z);
  }
  const interactions: Interaction[] = [];
  const ratings: Rating[] = [];
  const now = Date.UTC(2026, 11, 1);
  const seen = new Set<number>();
  let carry = 0;
  for (let u = 0; u < nUsers; u++) {
    const want = (weights[u] * nInteractions) / total + carry;
    const count = Math.max(1, Math.min(nMovies >> 2, Math.floor(want)));
    carry = want - count;
    const taste = u % TASTES;
    seen.clear();
    for (let attempt = 0; seen.size < count && attempt < count * 4; attempt++) {
      const movie =
        rand() < 0.5 ? movieOfRank[sample(global, rand())] : movieOfRank[Math.min(nMovies - 1, taste + TASTES * sample(tasteCdf, rand()))];
      if (seen.has(movie)) continue;
      seen.add(movie);
      const at = now - Math.floor(rand() * 30 * DAY_MS);
      const x: Interaction = { user: u + 1, movie: ids[movie], minutes: 1 + Math.floor(rand() * 120), at };
      if (rand() < 0.2) {
        x.rating = [1, 2, 3, 3, 4, 4, 4, 5, 5, 5][Math.floor(rand() * 10)];
        ratings.push({ user: x.user, movie: x.movie, rating: x.rating, at });
      }
      interactions.push(x);
    }
  }
  return { interactions, ratings };
}

export async function run(): Promise<void> {
  const nUsers = envInt('RANKING_SCALE_USERS', 1_000_000);
  const nMovies = envInt('RANKING_SCALE_MOVIES', 27_000);
  const nInteractions = envInt('RANKING_SCALE_INTERACTIONS', 10_000_000);
  // Both cores by default, as the pipeline trains; the model is the same bit for bit on one.
  const threads = envInt('RANKING_SCALE_THREADS', Math.min(2, availableParallelism()));
  const t0 = performance.now();
  const data = generate(nUsers, nMovies, nInteractions);
  log(
    `synthetic: ${nUsers} users x ${nMovies} movies, ${data.interactions.length} interactions (${data.ratings.length} with a rating), ` +
      `generated in ${((performance.now() - t0) / 1000).toFixed(1)} s; peak RSS so far ${peakRssGb().toFixed(2)} GB`,
  );

  const p = defaultIalsParams;
  log(`ranking model: implicit ALS ${JSON.stringify(p)}`);
  const t1 = performance.now();
  log(`${threads} thread(s)`);
  const ranking = await trainRankingModel(data.interactions, p, {
    threads,
    onIteration: (it) => log(`  sweep ${it.iteration}/${it.iterations}: ${it.seconds.toFixed(1)} s, peak RSS ${peakRssGb().toFixed(2)} GB`),
  });
  const rankingSeconds = (performance.now() - t1) / 1000;
  log(`ranking model trained in ${rankingSeconds.toFixed(1)} s`);

  log(`rating model: biased MF by SGD, ${defaultParams.factors} factors, ${defaultParams.epochs} epochs, ${defaultParams.threads} thread(s)`);
  const t2 = performance.now();
  const rating = await trainModel(data.ratings, defaultParams, {
    extraSeen: data.interactions,
    onEpoch: (e) => {
      if (e % 5 === 0) log(`  epoch ${e}/${defaultParams.epochs}: ${((performance.now() - t2) / 1000).toFixed(1)} s`);
    },
  });
  const ratingSeconds = (performance.now() - t2) / 1000;
  log(`rating model trained in ${ratingSeconds.toFixed(1)} s`);
  log(`training both: ${(rankingSeconds + ratingSeconds).toFixed(1)} s (target <= 600 s); peak RSS ${peakRssGb().toFixed(2)} GB (target <= 6 GB)`);

  const dir = join(repoRoot, 'var/bench/ranking-scale');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  const nRatings = data.ratings.length;
  const nAll = data.interactions.length;
  // Free the rows before loading, as a serving process would not hold them.
  data.interactions.length = 0;
  data.ratings.length = 0;
  const manifest = await saveArtifact(dir, ranking.model, {
    version: 'scale',
    metrics: { rmse: 0, mae: 0 }, // not evaluated here (no hold-out): speed and memory only
    data: { md5: '0'.repeat(32), ratings: nRatings, watches: nAll },
    counts: { train: nAll, test: 0 },
    trainSeconds: rankingSeconds + ratingSeconds,
    rating,
    ranking: { kind: 'ials', params: ranking.params },
  });
  log(`artifact: model.bin ${(manifest.artifact.size / 1e6).toFixed(1)} MB, rating.bin ${(manifest.ratingArtifact!.size / 1e6).toFixed(1)} MB`);

  const loads: number[] = [];
  for (let j = 0; j < 3; j++) {
    const t = performance.now();
    await loadArtifact(dir);
    loads.push((performance.now() - t) / 1000);
  }
  loads.sort((a, b) => a - b);
  const t3 = performance.now();
  await loadArtifact(dir, { rating: true });
  const both = (performance.now() - t3) / 1000;
  log(
    `loadArtifact (served model.bin, md5 + views): min ${loads[0].toFixed(2)} s, median ${loads[1].toFixed(2)} s, max ${loads[2].toFixed(2)} s (target <= 2 s); ` +
      `both files (release check): ${both.toFixed(2)} s`,
  );
  log(`peak RSS of the whole run: ${peakRssGb().toFixed(2)} GB`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
