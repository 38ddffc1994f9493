// The production wiring of PipelineDeps: the ingest engineer's sources and cleaner, the model's trainer.
import { runTraining } from '../../model/index.ts';
import { ingest } from '../ingest.ts';
import { createFileSource } from '../sources/file.ts';
import { createKafkaSource } from '../sources/kafka.ts';
import type { PipelineDeps } from './types.ts';

export const defaultDeps: PipelineDeps = { ingest, createFileSource, createKafkaSource, runTraining };
