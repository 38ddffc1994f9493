// The IntervalMeasurer the release controller calls once per analysis interval (README.md here).
export { createIntervalMeasurer, type DetailedMeasurement, type DetailedMeasurer, type MeasurementDetails, type MeasurerOptions } from './measurer.ts';
export { DEFAULT_SPECS, MEASURED_DECISION_CONFIG, METRICS, metricInputs, type MeasuredFigures, type MetricSpecs } from './metric-inputs.ts';
export { reccomServedSource, type ServedSource, type WatchRead, type WatchSource } from './sources.ts';
export { createKafkaWatchSource, type KafkaWatchSourceOptions } from './kafka-watch-source.ts';
export { popularityFromCounts, type PopularityOf } from './diversity.ts';
export type { IntervalMeasurement, IntervalMeasurer, TrackName } from './types.ts';
