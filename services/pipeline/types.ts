// Contracts between the pipeline's parts: where raw log lines come from, and what an ingest reports.

/** A batch of raw log lines; `commit` acknowledges it to the source (Kafka offsets) and must be
 * called only after the batch's cleaned result is durably written. */
export interface SourceBatch {
  lines: string[];
  commit(): Promise<void>;
}

/** Kafka consumer group or a file: both yield batches until their window or input ends. */
export interface LineSource {
  batches(): AsyncIterable<SourceBatch>;
  close(): Promise<void>;
}

export interface IngestReport {
  lines: number;
  /** Accepted events by kind: watch, rate, recommendation. */
  events: Record<'watch' | 'rate' | 'recommendation', number>;
  /** Rejected lines by reason; every one of them is in the dead-letter file. */
  rejected: Record<string, number>;
  /** Rows the clean ratings file gained or changed. */
  ratingsAdded: number;
  ratingsUpdated: number;
  watchesAdded: number;
  seconds: number;
}
