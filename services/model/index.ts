// The model's public API: what inference, the pipeline and the CLI import.
export type { EvalMetrics, Manifest, Model, TrainParams } from './types.ts';
export { defaultParams, resolveParams } from './params.ts';
export { readRatingsFile, detectFormat, type RatingRow, type RowError, type RatingsFormat, type ReadOptions, type ReadResult } from './readers.ts';
export { splitHoldout } from './split.ts';
export { trainModel, type TrainOptions } from './train.ts';
export { predict, topNForUser, userIndexOf, itemIndexOf } from './predict.ts';
export { evaluate, type EvaluateOptions } from './evaluate.ts';
export { saveArtifact, loadArtifact, readManifest, ArtifactError, type ArtifactInfo, MODEL_FILE, MANIFEST_FILE } from './artifact.ts';
export { encodeModel, decodeModel } from './artifact-format.ts';
export { runTraining, type RunTrainingOptions, type RunTrainingResult } from './run-training.ts';
export { prepareSgdWorkers, closeSgdWorkers } from './sgd-workers.ts';
