import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/args.ts';
import { ConfigError } from '../../core/config.ts';
import { canaryShare } from '../../core/tracks.ts';
import { judgeOf, measuredSpecsOf, releaseConfigFromEnv, rolloutPlanOf, steppedSourcesConfigFromEnv, stepsFromFlag } from '../config.ts';
import { DEFAULT_SPECS, MEASURED_DECISION_CONFIG, metricInputs } from '../measure/index.ts';

function issuesOf(env: Record<string, string>): string[] {
  try {
    releaseConfigFromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

describe('release config: the compose settings', () => {
  it('defaults: docker compose v2, build on, 180s health timeout, the Docker socket', () => {
    const c = releaseConfigFromEnv({});
    expect(c.RELEASE_COMPOSE_COMMAND).toEqual(['docker', 'compose']);
    expect(c.RELEASE_COMPOSE_BUILD).toBe(true);
    expect(c.RELEASE_HEALTH_TIMEOUT).toBe(180_000);
    expect(c.DOCKER_HOST).toEqual({ socketPath: '/var/run/docker.sock' });
  });

  it('reads Compose v1 on Podman as the container test sets it', () => {
    const c = releaseConfigFromEnv({
      RELEASE_COMPOSE_COMMAND: 'docker-compose',
      RELEASE_COMPOSE_BUILD: 'false',
      RELEASE_HEALTH_TIMEOUT: '5m',
      DOCKER_HOST: 'unix:///srv/marquee/var/containers/podman.sock',
    });
    expect(c.RELEASE_COMPOSE_COMMAND).toEqual(['docker-compose']);
    expect(c.RELEASE_COMPOSE_BUILD).toBe(false);
    expect(c.RELEASE_HEALTH_TIMEOUT).toBe(300_000);
    expect(c.DOCKER_HOST).toEqual({ socketPath: '/srv/marquee/var/containers/podman.sock' });
  });

  it('names the variable of a bad value', () => {
    const issues = issuesOf({ RELEASE_COMPOSE_COMMAND: '   ', RELEASE_COMPOSE_BUILD: 'maybe', RELEASE_HEALTH_TIMEOUT: 'soon', DOCKER_HOST: 'ssh://me@host' });
    expect(issues.map((i) => i.split(':')[0]).sort()).toEqual(['DOCKER_HOST', 'RELEASE_COMPOSE_BUILD', 'RELEASE_COMPOSE_COMMAND', 'RELEASE_HEALTH_TIMEOUT']);
    expect(issues.find((i) => i.startsWith('DOCKER_HOST'))).toMatch(/unix:\/\/\/path\/to\/socket or tcp:\/\/host:port/);
    expect(issues.find((i) => i.startsWith('RELEASE_COMPOSE_COMMAND'))).toMatch(/empty/);
  });
});

describe('release config: the judge', () => {
  it("expects the canary's share that the NGINX weights give it (core/tracks.ts), with no setting of its own", () => {
    const judge = judgeOf(releaseConfigFromEnv({}));
    const track = (requests: number) => ({ requests, avgLatencyMs: 5, errorRate: 0 });
    const total = 1000;
    const healthy = judge({ canary: track(total * canaryShare()), stable: track(total * (1 - canaryShare())) });
    expect(healthy.verdict).toBe('pass');
    expect(healthy.reasons.join(' ')).toContain(`weight share ${100 * canaryShare()}%`);
    // Under a quarter (RELEASE_MIN_SHARE_RATIO) of that share: NGINX has been failing it over.
    expect(judge({ canary: track(total * canaryShare() * 0.2), stable: track(total) }).verdict).toBe('fail');
  });
});

describe('release config: the stepped release (opt-in)', () => {
  it('is off without RELEASE_STEPS: the single-window release, as before', () => {
    const c = releaseConfigFromEnv({});
    expect(c.RELEASE_STEPS).toBeUndefined();
    expect(rolloutPlanOf(c)).toBeNull();
  });

  it('builds the plan from RELEASE_STEPS, RELEASE_INTERVAL and the limits, judged with MEASURED_DECISION_CONFIG', () => {
    const c = releaseConfigFromEnv({
      RELEASE_STEPS: '5,20,50,100',
      RELEASE_INTERVAL: '2m',
      RELEASE_STEP_INTERVALS: '4',
      RELEASE_CONSECUTIVE_FAILURE_LIMIT: '1',
      RELEASE_INCONCLUSIVE_LIMIT: '3',
      RELEASE_CONSECUTIVE_ERROR_LIMIT: '5',
      RELEASE_WATCH_WINDOW: '10m',
    });
    expect(rolloutPlanOf(c)).toEqual({
      steps: [5, 20, 50], // a trailing 100 is the promotion
      intervalMs: 120_000,
      limits: { intervals: 4, consecutiveFailureLimit: 1, inconclusiveLimit: 3, consecutiveErrorLimit: 5 },
      decision: MEASURED_DECISION_CONFIG,
    });
    expect(c.RELEASE_WATCH_WINDOW).toBe(600_000);
  });

  it('defaults: 5 min intervals, 3 per step, limits 2 / 2 / 3, T = 30 min', () => {
    const c = releaseConfigFromEnv({});
    expect(rolloutPlanOf(c, [10])).toMatchObject({ steps: [10], intervalMs: 300_000, limits: { intervals: 3, consecutiveFailureLimit: 2, inconclusiveLimit: 2, consecutiveErrorLimit: 3 } });
    expect(c.RELEASE_WATCH_WINDOW).toBe(1_800_000);
  });

  it('names the variable of a bad value', () => {
    const issues = issuesOf({ RELEASE_STEPS: '20,5', RELEASE_INTERVAL: '500ms', RELEASE_STEP_INTERVALS: '0', RELEASE_INCONCLUSIVE_LIMIT: 'x', RELEASE_WATCH_WINDOW: 'later' });
    expect(issues.map((i) => i.split(':')[0]).sort()).toEqual(['RELEASE_INCONCLUSIVE_LIMIT', 'RELEASE_INTERVAL', 'RELEASE_STEPS', 'RELEASE_STEP_INTERVALS', 'RELEASE_WATCH_WINDOW']);
    expect(issues.find((i) => i.startsWith('RELEASE_STEPS'))).toMatch(/steps must increase/);
    expect(issuesOf({ RELEASE_STEPS: '5,60' }).join()).toMatch(/RELEASE_STEPS: .*60 is not a whole percent in \[1, 50\]/);
  });

  it('sizes the critical metrics from RELEASE_WATCH_THROUGH_MDE / RELEASE_SERVER_FAILURE_MDE, defaults as DEFAULT_SPECS', () => {
    const d = releaseConfigFromEnv({});
    expect(measuredSpecsOf(d)).toEqual({
      watchThrough: { minimalDetectableEffect: DEFAULT_SPECS.watchThrough.minimalDetectableEffect },
      serverFailures: { minimalDetectableEffect: DEFAULT_SPECS.serverFailures.minimalDetectableEffect },
    });
    expect(d.RELEASE_WATCH_LATE).toBe(5000);
    const c = releaseConfigFromEnv({ RELEASE_WATCH_THROUGH_MDE: '0.5', RELEASE_SERVER_FAILURE_MDE: '0.1', RELEASE_WATCH_LATE: '1s' });
    expect(c.RELEASE_WATCH_LATE).toBe(1000);
    // What the judge receives: the tolerances stay the defaults, only the effect to detect changes.
    const zero = { baseline: { events: 0, total: 0 }, canary: { events: 0, total: 0 } };
    const specs = metricInputs(
      {
        latency: { bounds: [0.1], baseline: [0, 0], canary: [0, 0] },
        serverFailures: zero,
        watchThrough: zero,
        diversity: { coverage: { baseline: NaN, canary: NaN, listsEach: 0 }, meanPopularity: { baseline: NaN, canary: NaN }, lists: { baseline: 0, canary: 0 } },
      } as never,
      measuredSpecsOf(c),
    ).map((m) => [m.spec.name, m.spec]);
    expect(Object.fromEntries(specs)).toMatchObject({
      'watch-through': { minimalDetectableEffect: { kind: 'relative', value: 0.5 }, tolerance: DEFAULT_SPECS.watchThrough.tolerance },
      'server-failures': { minimalDetectableEffect: { kind: 'absolute', value: 0.1 }, tolerance: DEFAULT_SPECS.serverFailures.tolerance },
    });
    const issues = issuesOf({ RELEASE_WATCH_THROUGH_MDE: '0', RELEASE_SERVER_FAILURE_MDE: '1.5', RELEASE_WATCH_LATE: 'soon' });
    expect(issues.map((i) => i.split(':')[0]).sort()).toEqual(['RELEASE_SERVER_FAILURE_MDE', 'RELEASE_WATCH_LATE', 'RELEASE_WATCH_THROUGH_MDE']);
  });

  it('reads --steps as RELEASE_STEPS, a bad one a usage error naming both', () => {
    expect(stepsFromFlag('5, 20, 50')).toEqual([5, 20, 50]);
    expect(() => stepsFromFlag('5,abc')).toThrow(UsageError);
    expect(() => stepsFromFlag('5,abc')).toThrow(/--steps \(or RELEASE_STEPS\): .*NaN is not a whole percent/);
  });

  it('reads the sources a measurement needs from the pipeline\'s variables, only when asked', () => {
    const s = steppedSourcesConfigFromEnv({ KAFKA_BROKERS: 'k1:9092,k2:9092', KAFKA_TOPIC: 'movielog2', MYSQL_HOST: 'db', MYSQL_DATABASE: 'marquee' });
    expect(s).toMatchObject({ KAFKA_BROKERS: 'k1:9092,k2:9092', KAFKA_TOPIC: 'movielog2', MYSQL_HOST: 'db', MYSQL_DATABASE: 'marquee' });
    expect(() => steppedSourcesConfigFromEnv({ KAFKA_BROKERS: 'nope' })).toThrow(/KAFKA_BROKERS: expected host:port/);
    // A single-window release never reads them.
    expect(() => releaseConfigFromEnv({ KAFKA_BROKERS: 'nope' })).not.toThrow();
  });
});
