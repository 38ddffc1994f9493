// What each step of a pipeline run hands to the next, and the parts of the system it calls.
import type mysql from 'mysql2/promise';
import type { RunTrainingOptions, RunTrainingResult } from '../../model/index.ts';
import type { IngestOptions } from '../ingest.ts';
import type { KafkaSourceOptions } from '../sources/kafka.ts';
import type { IngestReport, LineSource } from '../types.ts';
import type { WorkdirLayout } from '../version/layout.ts';
import type { RunLock } from './run-lock.ts';
import type { ServedModel } from './served-model.ts';

/** The entry points of the other parts the run calls: ingest, the line sources, training (injected so tests
 * and benchmarks can swap them). */
export interface PipelineDeps {
  ingest(source: LineSource, opts: IngestOptions): Promise<IngestReport>;
  createFileSource(path: string): LineSource;
  createKafkaSource(opts: KafkaSourceOptions): LineSource;
  runTraining(opts: RunTrainingOptions): Promise<TrainResult>;
}

export type TrainResult = RunTrainingResult;

export interface Prepared {
  runId: string;
  layout: WorkdirLayout;
  previousVersion: number;
  /** The version this run publishes if it passes the gate. */
  version: number;
  stagingDir: string;
  pool: mysql.Pool;
  lock: RunLock;
}

export interface Collected {
  report: IngestReport;
  /** When the data snapshot was finished (lineage `data_creation`). */
  dataCreatedAt: Date;
}

/** The training result and the served model it was compared with (null: nothing served yet). */
export type Trained = TrainResult & { served: ServedModel | null };
