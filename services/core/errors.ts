// One error root for the whole stack. Every error a caller or a command acts on is a MarqueeError
// with a `code` from the closed set below; the code alone decides the exit status and whether trying
// again can help, so nothing branches on class names or message texts. The underlying error (a
// kafkajs, mysql2 or fs error) travels as the standard `cause` (ES2022), never flattened into text.
//
// Plain `Error` is left for bugs: a broken invariant that no operator action can fix.

interface CodeInfo {
  /** The process exit status of a command that ends on this error. */
  exitStatus: number;
  /** Whether the same call may succeed later without anyone changing anything. */
  retriable: boolean;
}

/**
 * The closed set of codes. Exit statuses: 2 = the command was refused before it did anything (fix
 * the command line, the environment or wait for the other run); 3 = the database failed (provenance);
 * 4 = the model failed its check (release); 1 = everything else that failed.
 */
export const ERROR_CODES = {
  /** Bad arguments: fix the command line. */
  USAGE: { exitStatus: 2, retriable: false },
  /** A bad environment variable or secret file: fix the configuration. */
  CONFIG: { exitStatus: 2, retriable: false },
  /** Another process holds the lock (a data dir, a working copy, the release controller). */
  LOCKED: { exitStatus: 2, retriable: true },
  /** Data, a file or the working copy the operator must fix or supply: missing, malformed, inconsistent. */
  INPUT: { exitStatus: 1, retriable: false },
  /** A model folder is missing, truncated or altered (model.bin, rating.bin, manifest.json). */
  ARTIFACT: { exitStatus: 1, retriable: false },
  /** The model failed its check before a release: nothing was changed. */
  MODEL_CHECK: { exitStatus: 4, retriable: false },
  /** The clean data has fewer rows than the version that serves: nothing was versioned. */
  DATA_SHRANK: { exitStatus: 1, retriable: false },
  /** The Kafka client failed; its kafkajs error is the cause (and says if it is retriable). */
  KAFKA: { exitStatus: 1, retriable: true },
  /** A window read nothing while the consumer group still has messages pending elsewhere. */
  KAFKA_LAG: { exitStatus: 1, retriable: true },
  /** MySQL failed or refused a query. */
  DATABASE: { exitStatus: 3, retriable: true },
  /** Prometheus did not answer, or answered something unusable. */
  PROMETHEUS: { exitStatus: 1, retriable: true },
  /** The container engine (Docker/Podman API) or the compose command failed. */
  CONTAINER: { exitStatus: 1, retriable: true },
  /** A local process (inference, NGINX, Prometheus) did not start or become ready. */
  PROCESS: { exitStatus: 1, retriable: true },
  /** An operation was retried with backoff and failed every time; the last failure is the cause. */
  RETRY_EXHAUSTED: { exitStatus: 1, retriable: false },
  /** A pipeline step failed; the step's own error is the cause. */
  STEP_FAILED: { exitStatus: 1, retriable: false },
  /** A canary release failed or was refused (no release, already released, a step failed). */
  RELEASE_FAILED: { exitStatus: 1, retriable: false },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface MarqueeErrorOptions {
  cause?: unknown;
  /** Overrides the code's default, e.g. from a kafkajs error's own `retriable`. */
  retriable?: boolean;
}

export class MarqueeError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: MarqueeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
    // The subclass's own name (KafkaLagError, ...) in stacks and logs.
    this.name = new.target.name;
  }

  get exitStatus(): number {
    return ERROR_CODES[this.code].exitStatus;
  }
}

/** True for a MarqueeError, and with `code` only for that code. */
export function isMarqueeError(err: unknown, code?: ErrorCode): err is MarqueeError {
  return err instanceof MarqueeError && (code === undefined || err.code === code);
}

/** The exit status a command ends with on `err`: its code's, or 1 for anything else. */
export function exitStatusOf(err: unknown): number {
  return err instanceof MarqueeError ? err.exitStatus : 1;
}

/** `err` as an Error (something thrown that is not one becomes its text). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
