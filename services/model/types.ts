// The data shapes every service shares with the model: hyper-parameters, the trained model
// held in typed arrays, and the manifest written beside the binary artifact.

export interface TrainParams {
  factors: number; // default 100
  epochs: number; // default 20
  lr: number; // default 0.005
  reg: number; // default 0.02
  initMean: number; // default 0
  initStd: number; // default 0.1
  seed: number; // default 42
  /** Worker threads for SGD; 1 gives bit-for-bit reproducible training. */
  threads: number;
  ratingMin: number; // default 1
  ratingMax: number; // default 5
}

/** A trained biased-MF model. Index u / i are dense indexes; ids map them back. */
export interface Model {
  params: TrainParams;
  globalMean: number;
  /** Raw user ids (positive integers) by dense index. */
  userIds: Int32Array;
  /** Movie ids (course slugs or MovieLens numeric ids as strings) by dense index. */
  itemIds: string[];
  userBias: Float32Array; // nUsers
  itemBias: Float32Array; // nItems
  userFactors: Float32Array; // nUsers * factors, row-major
  itemFactors: Float32Array; // nItems * factors, row-major
  /** Items each user rated or watched in training, CSR: seenItems[seenOffsets[u]..seenOffsets[u+1]). */
  seenOffsets: Uint32Array; // nUsers + 1
  seenItems: Uint32Array;
  /** Popularity ranking for cold-start users: dense item indexes, best first (at least 20 when possible). */
  popular: Uint32Array;
}

export interface EvalMetrics {
  /** Rating error of the rating model (biased MF) on the held-out ratings. */
  rmse: number;
  mae: number;
  /** Ranking metrics of the served lists (the ranking model's, in a format-2 artifact). */
  precisionAt20?: number;
  recallAt20?: number;
  ndcgAt20?: number;
  /** How many held-out users the ranking metrics average over (a sample when the test set is large). */
  rankingUsers?: number;
  /** Distinct movies in the evaluated users' top 20 / movies. */
  coverage?: number;
  /** Mean training-popularity percentile of the recommended movies (1 = the most popular). */
  popularityPercentile?: number;
  /** Gini coefficient of recommendation counts over the catalogue. */
  gini?: number;
  /** The same figures under the per-user time split (each user's latest 20 % held out), when measured. */
  timeSplit?: Omit<EvalMetrics, 'timeSplit'>;
}

/** One file of a model folder, as the manifest pins it. */
export interface ArtifactFile {
  file: string;
  md5: string;
  size: number;
}

/** Parameters of the ranking model (implicit ALS, services/model/ials.ts). */
export interface RankingParams {
  factors: number;
  iterations: number;
  alpha: number;
  lambda: number;
  cgSteps: number;
  initStd: number;
  seed: number;
}

/**
 * Format 1: one model (biased MF) in `artifact`, which it both serves and rates with.
 * Format 2: `artifact` is the served ranking model (implicit ALS, `ranking.params`) and
 * `ratingArtifact` the rating model (biased MF, `params`), both in the same folder.
 */
export interface Manifest {
  format: 'marquee-mf';
  formatVersion: 1 | 2;
  /** Model version: the pipeline's integer version number as a string, or a name such as 'sample'. */
  version: string;
  /** The rating model's (biased MF) parameters; in format 1 the one model's. */
  params: TrainParams;
  /** Format 2: the served ranking model. */
  ranking?: { kind: 'ials'; params: RankingParams };
  metrics: EvalMetrics;
  /** The served model's file (model.bin). */
  artifact: ArtifactFile;
  /** Format 2: the rating model's file (rating.bin). */
  ratingArtifact?: ArtifactFile;
  data: { md5: string; path?: string; ratings: number; watches?: number; watchesMd5?: string };
  counts: { users: number; items: number; train: number; test: number };
  /** How the test set was drawn; absent when a separate test file was given, and in older manifests. */
  holdout?: { split: 'rows' | 'pairs'; fraction: number; seed: number };
  trainSeconds: number;
  trainedAt: string; // ISO-8601 UTC
}
