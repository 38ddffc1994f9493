// The release controller's settings, from the environment, validated once at start-up.
import { z } from 'zod';
import { UsageError } from '../core/args.ts';
import { env, loadConfig } from '../core/config.ts';
import { mysqlEnvShape } from '../core/db/connection.ts';
import { kafkaEnvShape } from '../pipeline/sources/kafka-config.ts';
import { canaryShare } from '../core/tracks.ts';
import { parseComposeCommand } from './compose-orchestrator.ts';
import { parseDuration } from './duration.ts';
import { parseDockerHost } from './engine-api.ts';
import { releaseJudge, type Judge, type Thresholds } from './judge.ts';
import { DEFAULT_SPECS, MEASURED_DECISION_CONFIG, type MetricSpecs } from './measure/metric-inputs.ts';
import { parseSteps, type RolloutPlan } from './rollout.ts';

/** A zod transform from a parser that throws: its message becomes the variable's issue. */
function parsedBy<I, T>(parse: (text: I) => T) {
  return (text: I, ctx: z.RefinementCtx<I>): T => {
    try {
      return parse(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  };
}

const duration = (dflt: string) => z.string().default(dflt).transform(parsedBy(parseDuration));

/** `5,20,50` (a trailing 100 allowed): rollout.ts's rule, as a zod transform. */
const stepsSchema = z.string().transform(parsedBy(parseSteps));

export const releaseEnvShape = {
  RELEASE_ORCHESTRATOR: z.enum(['compose', 'local']).default('compose'),
  /** Observation window: `30s`, `15m`, `12h`, `1h30m`. */
  RELEASE_WINDOW: duration('12h'),
  RELEASE_MAX_AVG_LATENCY_MS: z.coerce.number().positive().default(500),
  /** Fraction of non-2xx canary answers the release tolerates (strictly less than). */
  RELEASE_MAX_ERROR_RATE: z.coerce.number().gt(0).max(1).default(0.01),
  RELEASE_MIN_REQUESTS: env.int(20, 1),
  /** The fraction of the canary's weighted share of traffic (core/tracks.ts) below which it fails. */
  RELEASE_MIN_SHARE_RATIO: z.coerce.number().min(0).max(1).default(0.25),
  PROMETHEUS_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:9090'),
  /** Prometheus' scrape interval (monitoring/prometheus.yml uses 5s). */
  PROMETHEUS_SCRAPE_INTERVAL: duration('5s'),
  RELEASE_STATE: env.string('var/release-state.json'),
  RELEASE_REPORTS_DIR: env.string('var/releases'),
  /** compose: the compose file and project (default: docker compose's own defaults). */
  RELEASE_COMPOSE_FILE: env.optionalString(),
  RELEASE_COMPOSE_PROJECT: env.optionalString(),
  /** compose: the .env whose STABLE_/CANARY_MODEL_VERSION lines are kept in step (if it exists). */
  RELEASE_COMPOSE_ENV_FILE: env.string('.env'),
  /** compose: the compose CLI, split on spaces: `docker compose` (v2) or `docker-compose` (v1). */
  RELEASE_COMPOSE_COMMAND: z.string().default('docker compose').transform(parsedBy(parseComposeCommand)),
  /** compose: build the inference image before the first recreate (else new code never reaches the replicas). */
  RELEASE_COMPOSE_BUILD: env.bool(true),
  /** compose: how long a recreated replica may take to become healthy (/readyz). */
  RELEASE_HEALTH_TIMEOUT: duration('180s'),
  /** compose: the engine's API, as the Docker / Compose CLIs read it (unset: /var/run/docker.sock). */
  DOCKER_HOST: z.string().optional().transform(parsedBy(parseDockerHost)),
  /** local: where the local processes are recorded, their first port (6 ports from there), models. */
  RELEASE_LOCAL_STACK: env.string('var/local-stack.json'),
  RELEASE_LOCAL_BASE_PORT: env.port(18081),
  /** local: directory of a detached local NGINX (startNginx({ dir, detached })) to reload on changes. */
  RELEASE_LOCAL_NGINX_DIR: env.optionalString(),
  /** local: directory of a detached local Prometheus (startPrometheus({ dir, detached })) to retarget. */
  RELEASE_LOCAL_PROMETHEUS_DIR: env.optionalString(),
  MODELS_DIR: env.string('models'),
  /** Stepped release (issue 10), opt-in: canary percents per analysis step, e.g. `5,20,50`. Unset: one window. */
  RELEASE_STEPS: stepsSchema.optional(),
  /** Stepped: the length of one analysis interval. */
  RELEASE_INTERVAL: duration('5m').refine((ms) => ms >= 1000, 'at least 1s'),
  /** Stepped: intervals per step, and the run limits of each step's analysis (analysis/run.ts). */
  RELEASE_STEP_INTERVALS: env.int(3, 1),
  RELEASE_CONSECUTIVE_FAILURE_LIMIT: env.int(2, 1),
  RELEASE_INCONCLUSIVE_LIMIT: env.int(2, 1),
  RELEASE_CONSECUTIVE_ERROR_LIMIT: env.int(3, 1),
  /** Stepped: watch-through's T, how long after an answer a watch start counts for it. */
  RELEASE_WATCH_WINDOW: duration('30m'),
  /**
   * Stepped: the harm each critical metric's interval must be long enough to detect (the sample size
   * below which no pass is given, measure/metric-inputs.ts). Watch-through: a relative drop (0.1 =
   * 10 %); server failures: an absolute rise (0.01 = 1 pp, 615 requests per track). Larger values
   * suit short local intervals, which then only see large harm.
   */
  RELEASE_WATCH_THROUGH_MDE: z.coerce.number().gt(0).lt(1).default(DEFAULT_SPECS.watchThrough.minimalDetectableEffect.value),
  RELEASE_SERVER_FAILURE_MDE: z.coerce.number().gt(0).lt(1).default(DEFAULT_SPECS.serverFailures.minimalDetectableEffect.value),
  /** Stepped: how late a watch line may reach Kafka after its logged second (kafka-watch-source.ts). */
  RELEASE_WATCH_LATE: duration('5s'),
};

/**
 * Where a stepped release reads the served lists (reccom, the MYSQL_* the pipeline and provenance
 * use) and the watches (KAFKA_BROKERS/KAFKA_TOPIC the pipeline reads). Loaded only for a stepped
 * release, so a single-window release never depends on them.
 */
export const steppedSourcesEnvShape = {
  KAFKA_BROKERS: kafkaEnvShape.KAFKA_BROKERS,
  KAFKA_TOPIC: kafkaEnvShape.KAFKA_TOPIC,
  ...mysqlEnvShape,
};

export function steppedSourcesConfigFromEnv(source: Record<string, string | undefined> = process.env) {
  return loadConfig(steppedSourcesEnvShape, source);
}

/** `--steps`, validated as RELEASE_STEPS is; a bad value is a usage error naming both. */
export function stepsFromFlag(text: string): number[] {
  const r = stepsSchema.safeParse(text);
  if (!r.success) throw new UsageError(`--steps (or RELEASE_STEPS): ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data;
}

/** The stepped release's plan from the config (steps from --steps or RELEASE_STEPS); null: single window. */
export function rolloutPlanOf(c: ReleaseConfig, steps: number[] | undefined = c.RELEASE_STEPS): RolloutPlan | null {
  if (!steps) return null;
  return {
    steps,
    intervalMs: c.RELEASE_INTERVAL,
    limits: {
      intervals: c.RELEASE_STEP_INTERVALS,
      consecutiveFailureLimit: c.RELEASE_CONSECUTIVE_FAILURE_LIMIT,
      inconclusiveLimit: c.RELEASE_INCONCLUSIVE_LIMIT,
      consecutiveErrorLimit: c.RELEASE_CONSECUTIVE_ERROR_LIMIT,
    },
    decision: MEASURED_DECISION_CONFIG,
  };
}

/** The measured metrics' specs the settings change (the rest keep DEFAULT_SPECS). */
export function measuredSpecsOf(c: ReleaseConfig): MetricSpecs {
  return {
    watchThrough: { minimalDetectableEffect: { kind: 'relative', value: c.RELEASE_WATCH_THROUGH_MDE } },
    serverFailures: { minimalDetectableEffect: { kind: 'absolute', value: c.RELEASE_SERVER_FAILURE_MDE } },
  };
}

export type ReleaseConfig = ReturnType<typeof releaseConfigFromEnv>;

export function releaseConfigFromEnv(source: Record<string, string | undefined> = process.env) {
  return loadConfig(releaseEnvShape, source);
}

export function thresholdsOf(c: ReleaseConfig): Thresholds {
  return {
    maxAvgLatencyMs: c.RELEASE_MAX_AVG_LATENCY_MS,
    maxErrorRate: c.RELEASE_MAX_ERROR_RATE,
    minRequests: c.RELEASE_MIN_REQUESTS,
  };
}

/**
 * The thresholds plus the traffic-share rule that sees through NGINX's failover; the share a
 * healthy canary gets follows from the NGINX weights, never from a setting that could disagree.
 */
export function judgeOf(c: ReleaseConfig): Judge {
  return releaseJudge(thresholdsOf(c), { expectedShare: canaryShare(), minShareRatio: c.RELEASE_MIN_SHARE_RATIO });
}
