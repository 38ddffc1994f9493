// What the CLI adds for a stepped release (issue 10): the IntervalMeasurer over Prometheus, the
// served lists in reccom (MySQL) and the watches in Kafka, and the plan. A release already recorded
// as stepped keeps its own plan (its state holds it), so --resume, --abort and --promote of it need
// no --steps.
import { createPool, mysqlSettingsFrom } from '../../core/db/connection.ts';
import type { Logger } from '../../core/logger.ts';
import { splitBrokers } from '../../pipeline/sources/kafka-config.ts';
import { measuredSpecsOf, rolloutPlanOf, steppedSourcesConfigFromEnv, type ReleaseConfig } from '../config.ts';
import { createIntervalMeasurer, createKafkaWatchSource, reccomServedSource, type IntervalMeasurer } from '../measure/index.ts';
import type { PrometheusClient } from '../prometheus-client.ts';
import type { RolloutPlan } from '../rollout.ts';
import type { ReleaseState } from '../state.ts';

export interface SteppedRelease {
  measurer: IntervalMeasurer;
  rollout: RolloutPlan;
  /** Closes the MySQL pool. */
  close(): Promise<void>;
}

/** The plan to run: an unfinished stepped release's own, else the requested steps', else null. */
export function planToRun(c: ReleaseConfig, steps: number[] | undefined, recorded: ReleaseState | null): RolloutPlan | null {
  if (recorded?.rollout && recorded.phase !== 'done') return recorded.rollout.plan;
  return steps ? rolloutPlanOf(c, steps) : null;
}

export function steppedRelease(c: ReleaseConfig, plan: RolloutPlan, prometheus: PrometheusClient, log: Logger): SteppedRelease {
  const sources = steppedSourcesConfigFromEnv();
  // Two connections: one interval reads reccom once.
  const pool = createPool(mysqlSettingsFrom(sources), 2);
  const measurer = createIntervalMeasurer({
    prometheus,
    served: reccomServedSource(pool),
    watches: createKafkaWatchSource({
      brokers: splitBrokers(sources.KAFKA_BROKERS),
      topic: sources.KAFKA_TOPIC,
      lateMs: c.RELEASE_WATCH_LATE,
      logger: log.child('watches'),
    }),
    watchWindowMs: c.RELEASE_WATCH_WINDOW,
    specs: measuredSpecsOf(c),
  });
  return { measurer, rollout: plan, close: () => pool.end() };
}
