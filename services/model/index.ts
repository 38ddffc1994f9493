// The model's public API: what inference, the pipeline and the CLI import.
export type { EvalMetrics, Manifest, Model, RankingParams, TrainParams } from './types.ts';
// The seeded generator behind every split and shuffle, for callers that must draw the same way.
export { seedState, nextFloat } from './random.ts';
export { defaultParams, resolveParams } from './params.ts';
// The clean CSV files the pipeline writes and training reads, and what a movie id and a logged time are.
export {
  RATING_HEADER,
  WATCH_HEADER,
  formatRating,
  formatWatch,
  parseRatingRow,
  parseWatchRow,
  LENIENT_LIMITS,
  MAX_USER_ID,
  type RowLimits,
  type RatingRow,
  type WatchRow,
} from './clean-csv.ts';
export { isValidMovieId, normalizeMovieId, MAX_MOVIE_ID_LENGTH } from './movie-id.ts';
export { isValidTimestamp, formatLocalTimestamp } from './timestamp.ts';
export { readRatingsFile, detectFormat, type Rating, type RowError, type RatingsFormat, type ReadOptions, type ReadResult } from './readers.ts';
export { heldOutPair, splitByPair, splitHoldout, splitByTime, splitRatingsAndWatches } from './split.ts';
export { trainModel, type TrainOptions } from './train.ts';
export { predict, topNForUser, movieIndexOf } from './predict.ts';
export { userIndexOf, userLookup, type UserLookup } from './user-index.ts';
// Ranking for the service: the SIMD ranker and its worker pool, equal to topNForUser bit for bit.
export { createSimdRanker, type RankFn } from './simd-ranker.ts';
export { createRankPool, type RankPool } from './rank-pool.ts';
export {
  evaluate,
  evaluateRanking,
  compareRanking,
  servedList,
  isRelevant,
  gini,
  type EvaluateOptions,
  type RankingMetrics,
  type RankingEvalOptions,
  type RankingComparison,
  type CompareOptions,
} from './evaluate.ts';
export { saveArtifact, loadArtifact, readManifest, ArtifactError, type ArtifactInfo, MODEL_FILE, MANIFEST_FILE } from './artifact.ts';
export { encodeModel, decodeModel } from './artifact-format.ts';
export { runTraining, type RunTrainingOptions, type RunTrainingResult } from './run-training.ts';
export { prepareSgdWorkers, closeSgdWorkers } from './sgd-workers.ts';
// The ranking model (implicit ALS) and its inputs.
export {
  buildInteractionMatrix,
  mergeInteractions,
  readWatchesFile,
  signalOf,
  defaultSignalOptions,
  type Interaction,
  type InteractionMatrix,
  type Watch,
  type SignalOptions,
} from './interactions.ts';
export { trainIals, defaultIalsParams, resolveIalsParams, type IalsParams, type IalsProgress, type IalsOptions } from './ials.ts';
export { trainRankingModel, recentPopularity, withSeen, DEFAULT_POPULARITY_HALF_LIFE_DAYS, type RankingModel, type PopularityOptions } from './ranking-model.ts';
