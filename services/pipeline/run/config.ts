// The pipeline run's configuration, from the environment, validated once at start-up.
// Relative paths resolve against the current directory; PIPELINE_WORKDIR defaults to the repo root.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, env, loadConfig } from '../../core/config.ts';
import { mysqlEnvShape, mysqlSettingsFrom, type MysqlSettings } from '../../core/db/connection.ts';
import type { RankingParams, TrainParams } from '../../model/index.ts';
import type { DeadLetterLimits } from '../clean/dead-letter.ts';
import { deadLetterEnvShape, deadLetterLimitsFrom } from '../clean/dead-letter-config.ts';
import { notifyConfigFromEnv, type NotifyConfig } from '../../core/notify/config.ts';
import { parseEnvShape, parseOptionsFrom } from '../parse/options.ts';
import type { ParseOptions } from '../parse/types.ts';
import { kafkaEnvShape, splitBrokers } from '../sources/kafka-config.ts';
import { DEFAULT_RELATIVE_GATE, type RelativeGateSettings } from './relative-gate.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const optionalInt = (min: number) => z.coerce.number().int().min(min).optional();
const optionalNumber = () => z.coerce.number().finite().optional();

export const pipelineEnvShape = {
  PIPELINE_WORKDIR: env.string(REPO_ROOT),
  PIPELINE_LOG_FILE: env.string('var/log/pipeline.log'),
  PIPELINE_DEAD_LETTER: env.string('var/dead-letter.log'),
  // PIPELINE_DEAD_LETTER_MAX_LINE_BYTES, PIPELINE_DEAD_LETTER_MAX_FILE_BYTES, PIPELINE_DEAD_LETTER_FILES
  ...deadLetterEnvShape,
  // KAFKA_BROKERS, KAFKA_TOPIC, KAFKA_GROUP_ID, INGEST_WINDOW_MS (how long one run reads the stream)
  ...kafkaEnvShape,
  // RATING_MIN, RATING_MAX, MAX_USER_ID: what counts as a valid rating line, as for `npm run ingest`
  ...parseEnvShape,
  /** Stop reading after this many messages (tests, bounded catch-up). */
  INGEST_MAX_MESSAGES: optionalInt(1),
  /** Stop reading once the topic has been quiet this long. */
  INGEST_IDLE_MS: optionalInt(1),
  GATE_RMSE: z.coerce.number().finite().positive().default(1.0),
  /** Relative gate (relative-gate.ts): refuse a candidate whose nDCG@20 is below the served model's
   * by more than this (absolute), with confidence; see run/README.md. */
  GATE_NDCG_TOLERANCE: z.coerce.number().finite().min(0).max(1).default(DEFAULT_RELATIVE_GATE.tolerance),
  /** Two-sided confidence of the paired bootstrap interval of the nDCG@20 difference. */
  GATE_NDCG_CONFIDENCE: z.coerce.number().gt(0).lt(1).default(DEFAULT_RELATIVE_GATE.confidence),
  GATE_BOOTSTRAP_RESAMPLES: env.int(DEFAULT_RELATIVE_GATE.resamples, 100),
  GATE_BOOTSTRAP_SEED: env.int(DEFAULT_RELATIVE_GATE.seed, 0),
  TRAIN_HOLDOUT: z.coerce.number().gt(0).lt(1).default(0.2),
  TRAIN_FACTORS: optionalInt(1),
  TRAIN_EPOCHS: optionalInt(1),
  TRAIN_LR: optionalNumber(),
  TRAIN_REG: optionalNumber(),
  TRAIN_SEED: optionalInt(0),
  TRAIN_THREADS: optionalInt(1),
  /** The ranking model's (implicit ALS) parameters; default the model's. */
  TRAIN_RANK_FACTORS: optionalInt(1),
  TRAIN_RANK_ITERATIONS: optionalInt(0),
  TRAIN_RANK_ALPHA: z.coerce.number().finite().min(0).optional(),
  TRAIN_RANK_LAMBDA: z.coerce.number().finite().min(0).optional(),
  /** DVC remote: the directory (local path or mounted share) this process writes objects to. */
  DVC_REMOTE: z.string({ error: 'required: the DVC remote directory (e.g. /srv/marquee-dvc)' }).min(1),
  /**
   * The remote's URL as committed to `.dvc/config`, for whoever clones the repo and runs `dvc pull`;
   * default DVC_REMOTE resolved. In a container, mount the host directory at the same absolute path
   * so both agree (see run/README.md).
   */
  DVC_REMOTE_URL: env.optionalString(),
  DVC_REMOTE_NAME: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only').default('storage'),
  PIPELINE_GIT_REMOTE: env.string('origin'),
  /** Branch to push to; default the working copy's current branch. */
  PIPELINE_GIT_BRANCH: env.optionalString(),
  PIPELINE_PUSH_TRIES: env.int(3, 1),
  PIPELINE_PUSH_BACKOFF_MS: env.int(2_000, 0),
  PIPELINE_GIT_USER_NAME: env.string('Marquee pipeline'),
  PIPELINE_GIT_USER_EMAIL: z.email('must be an email address').default('pipeline@marquee.invalid'),
  /** Private key for pushing over SSH (e.g. a mounted secret /run/secrets/deploy_key). */
  PIPELINE_SSH_KEY_FILE: env.optionalString(),
  /** known_hosts for the git server; with it, host keys are checked strictly (never trusted on first use). */
  PIPELINE_SSH_KNOWN_HOSTS_FILE: env.optionalString(),
  ...mysqlEnvShape,
};

export interface PipelineConfig {
  workdir: string;
  logFile: string;
  deadLetterPath: string;
  deadLetterLimits: DeadLetterLimits;
  /** Valid rating scale and largest user id of the stream's lines. */
  parse: ParseOptions;
  kafka: { brokers: string[]; topic: string; groupId: string; windowMs: number; maxMessages?: number; idleMs?: number };
  gateRmse: number;
  relativeGate: RelativeGateSettings;
  holdout: number;
  trainParams: Partial<TrainParams>;
  rankingParams: Partial<RankingParams>;
  /** `dir`: where objects are written; `url`: what `.dvc/config` says (DVC_REMOTE_URL). */
  dvcRemote: { name: string; url: string; dir: string };
  git: {
    remote: string;
    branch?: string;
    tries: number;
    backoffMs: number;
    author: { name: string; email: string };
    /** Push over SSH with this key and known_hosts (git-ssh.ts). */
    ssh?: { keyFile?: string; knownHostsFile: string };
  };
  mysql: MysqlSettings;
  notify: NotifyConfig;
}

/** Runs each loader and reports every bad variable at once in one ConfigError. */
export function loadAll<A, B>(a: () => A, b: () => B): [A, B] {
  const issues: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues);
      return undefined;
    }
  };
  const ra = attempt(a);
  const rb = attempt(b);
  if (issues.length) throw new ConfigError(issues);
  return [ra as A, rb as B];
}

export function loadPipelineConfig(source: Record<string, string | undefined> = process.env): PipelineConfig {
  const [c, notify] = loadAll(
    () => loadConfig(pipelineEnvShape, source),
    () => notifyConfigFromEnv(source),
  );
  if (c.PIPELINE_SSH_KEY_FILE && !c.PIPELINE_SSH_KNOWN_HOSTS_FILE) {
    throw new ConfigError([
      'PIPELINE_SSH_KNOWN_HOSTS_FILE: required with PIPELINE_SSH_KEY_FILE (host keys are never trusted on first use)',
    ]);
  }
  const trainParams: Partial<TrainParams> = {};
  if (c.TRAIN_FACTORS !== undefined) trainParams.factors = c.TRAIN_FACTORS;
  if (c.TRAIN_EPOCHS !== undefined) trainParams.epochs = c.TRAIN_EPOCHS;
  if (c.TRAIN_LR !== undefined) trainParams.lr = c.TRAIN_LR;
  if (c.TRAIN_REG !== undefined) trainParams.reg = c.TRAIN_REG;
  if (c.TRAIN_SEED !== undefined) trainParams.seed = c.TRAIN_SEED;
  if (c.TRAIN_THREADS !== undefined) trainParams.threads = c.TRAIN_THREADS;
  const rankingParams: Partial<RankingParams> = {};
  if (c.TRAIN_RANK_FACTORS !== undefined) rankingParams.factors = c.TRAIN_RANK_FACTORS;
  if (c.TRAIN_RANK_ITERATIONS !== undefined) rankingParams.iterations = c.TRAIN_RANK_ITERATIONS;
  if (c.TRAIN_RANK_ALPHA !== undefined) rankingParams.alpha = c.TRAIN_RANK_ALPHA;
  if (c.TRAIN_RANK_LAMBDA !== undefined) rankingParams.lambda = c.TRAIN_RANK_LAMBDA;
  return {
    workdir: resolve(c.PIPELINE_WORKDIR),
    logFile: resolve(c.PIPELINE_LOG_FILE),
    deadLetterPath: resolve(c.PIPELINE_DEAD_LETTER),
    deadLetterLimits: deadLetterLimitsFrom(c),
    parse: parseOptionsFrom(c),
    kafka: {
      brokers: splitBrokers(c.KAFKA_BROKERS),
      topic: c.KAFKA_TOPIC,
      groupId: c.KAFKA_GROUP_ID,
      windowMs: c.INGEST_WINDOW_MS,
      maxMessages: c.INGEST_MAX_MESSAGES,
      idleMs: c.INGEST_IDLE_MS,
    },
    gateRmse: c.GATE_RMSE,
    relativeGate: {
      tolerance: c.GATE_NDCG_TOLERANCE,
      confidence: c.GATE_NDCG_CONFIDENCE,
      resamples: c.GATE_BOOTSTRAP_RESAMPLES,
      seed: c.GATE_BOOTSTRAP_SEED,
    },
    holdout: c.TRAIN_HOLDOUT,
    trainParams,
    rankingParams,
    dvcRemote: { name: c.DVC_REMOTE_NAME, url: c.DVC_REMOTE_URL ?? resolve(c.DVC_REMOTE), dir: resolve(c.DVC_REMOTE) },
    git: {
      remote: c.PIPELINE_GIT_REMOTE,
      branch: c.PIPELINE_GIT_BRANCH,
      tries: c.PIPELINE_PUSH_TRIES,
      backoffMs: c.PIPELINE_PUSH_BACKOFF_MS,
      author: { name: c.PIPELINE_GIT_USER_NAME, email: c.PIPELINE_GIT_USER_EMAIL },
      ssh: c.PIPELINE_SSH_KNOWN_HOSTS_FILE
        ? {
            keyFile: c.PIPELINE_SSH_KEY_FILE === undefined ? undefined : resolve(c.PIPELINE_SSH_KEY_FILE),
            knownHostsFile: resolve(c.PIPELINE_SSH_KNOWN_HOSTS_FILE),
          }
        : undefined,
    },
    mysql: mysqlSettingsFrom(c),
    notify,
  };
}
