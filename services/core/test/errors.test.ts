// The error root: each code's exit status and retriability, the standard `cause`, and the existing
// error classes keeping their names and instanceof while carrying their code.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../args.ts';
import { ConfigError } from '../config.ts';
import { ERROR_CODES, exitStatusOf, isMarqueeError, MarqueeError, type ErrorCode } from '../errors.ts';
import { LockedError } from '../pid-lock.ts';
import { ArtifactError } from '../../model/index.ts';
import { RetryError } from '../../pipeline/version/retry.ts';
import { KafkaLagError } from '../../pipeline/sources/kafka-lag.ts';
import { DataShrankError } from '../../pipeline/run/no-shrink.ts';
import { ModelRefusedError, ReleaseError } from '../../release/controller.ts';
import { ModelCheckError } from '../../release/model-check.ts';
import { DurationError } from '../../release/duration.ts';
import { PrometheusError } from '../../release/prometheus-client.ts';

describe('MarqueeError', () => {
  it('takes its exit status and retriability from its code', () => {
    const expected: Record<ErrorCode, number> = {
      USAGE: 2,
      CONFIG: 2,
      LOCKED: 2,
      INPUT: 1,
      ARTIFACT: 1,
      MODEL_CHECK: 4,
      DATA_SHRANK: 1,
      KAFKA: 1,
      KAFKA_LAG: 1,
      DATABASE: 3,
      PROMETHEUS: 1,
      CONTAINER: 1,
      PROCESS: 1,
      RETRY_EXHAUSTED: 1,
      STEP_FAILED: 1,
      RELEASE_FAILED: 1,
    };
    expect(Object.keys(ERROR_CODES).sort()).toEqual(Object.keys(expected).sort());
    for (const code of Object.keys(expected) as ErrorCode[]) {
      const err = new MarqueeError(code, 'x');
      expect(err.exitStatus, code).toBe(expected[code]);
      expect(exitStatusOf(err), code).toBe(expected[code]);
      expect(err.retriable, code).toBe(ERROR_CODES[code].retriable);
    }
    expect(new MarqueeError('LOCKED', 'x').retriable).toBe(true);
    expect(new MarqueeError('USAGE', 'x').retriable).toBe(false);
  });

  it('keeps the cause and lets the caller override retriable', () => {
    const kafka = Object.assign(new Error('The group is rebalancing'), { retriable: false });
    const err = new MarqueeError('KAFKA', 'Kafka consumer crashed: The group is rebalancing', { cause: kafka, retriable: kafka.retriable });
    expect(err.cause).toBe(kafka);
    expect(err.retriable).toBe(false);
    expect(err.message).toBe('Kafka consumer crashed: The group is rebalancing');
    expect(new MarqueeError('INPUT', 'x')).not.toHaveProperty('cause');
  });

  it('is told apart by code, not by name or message', () => {
    const err = new MarqueeError('DATABASE', 'down');
    expect(isMarqueeError(err)).toBe(true);
    expect(isMarqueeError(err, 'DATABASE')).toBe(true);
    expect(isMarqueeError(err, 'CONFIG')).toBe(false);
    const impostor = Object.assign(new Error('down'), { name: 'MarqueeError', code: 'DATABASE' });
    expect(isMarqueeError(impostor)).toBe(false);
    expect(isMarqueeError('DATABASE')).toBe(false);
    expect(exitStatusOf(impostor)).toBe(1);
    expect(exitStatusOf(undefined)).toBe(1);
  });

  it('names a subclass after itself', () => {
    class OddError extends MarqueeError {}
    expect(new OddError('INPUT', 'x').name).toBe('OddError');
    expect(new MarqueeError('INPUT', 'x').name).toBe('MarqueeError');
  });
});

describe('the error classes', () => {
  const cases: Array<[MarqueeError, string, ErrorCode]> = [
    [new UsageError('u'), 'UsageError', 'USAGE'],
    [new ConfigError(['X: bad']), 'ConfigError', 'CONFIG'],
    [new LockedError('held', 42), 'LockedError', 'LOCKED'],
    [new ArtifactError('a'), 'ArtifactError', 'ARTIFACT'],
    [new RetryError(3, new Error('gone')), 'RetryError', 'RETRY_EXHAUSTED'],
    [new KafkaLagError('t', 'g', 1, [{ partition: 0, committed: -1, low: 0, high: 1, lag: 1 }]), 'KafkaLagError', 'KAFKA_LAG'],
    [new DataShrankError('shrank', 1, 2, 3), 'DataShrankError', 'DATA_SHRANK'],
    [new ReleaseError('r'), 'ReleaseError', 'RELEASE_FAILED'],
    [new ModelRefusedError('m'), 'ModelRefusedError', 'MODEL_CHECK'],
    [new ModelCheckError('m'), 'ModelCheckError', 'MODEL_CHECK'],
    [new DurationError('d'), 'DurationError', 'USAGE'],
    [new PrometheusError('p'), 'PrometheusError', 'PROMETHEUS'],
  ];
  it.each(cases)('%s carries its name and code', (err, name, code) => {
    expect(err).toBeInstanceOf(MarqueeError);
    expect(err.name).toBe(name);
    expect(err.code).toBe(code);
  });

  it('keep their own hierarchy: a refused model is a release error, a bad duration a usage error', () => {
    expect(new ModelRefusedError('m')).toBeInstanceOf(ReleaseError);
    expect(new DurationError('d')).toBeInstanceOf(UsageError);
  });

  it('a RetryError has the last failure as its cause', () => {
    const last = new Error('remote gone');
    expect(new RetryError(2, last).cause).toBe(last);
  });
});
