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
  rmse: number;
  mae: number;
  precisionAt20?: number;
  recallAt20?: number;
  ndcgAt20?: number;
  /** How many held-out users the ranking metrics average over (a sample when the test set is large). */
  rankingUsers?: number;
}

export interface Manifest {
  format: 'marquee-mf';
  formatVersion: 1;
  /** Model version: the pipeline's integer version number as a string, or a name such as 'sample'. */
  version: string;
  params: TrainParams;
  metrics: EvalMetrics;
  artifact: { file: string; md5: string; size: number };
  data: { md5: string; path?: string; ratings: number };
  counts: { users: number; items: number; train: number; test: number };
  trainSeconds: number;
  trainedAt: string; // ISO-8601 UTC
}
