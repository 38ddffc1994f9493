import { describe, expect, it } from 'vitest';
import { backoffDelay, retry, RetryError } from '../version/retry.ts';

describe('retry', () => {
  it('doubles the wait after each failure, up to a cap', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, 100))).toEqual([100, 200, 400, 800, 1600]);
    expect(backoffDelay(10, 100, 5000)).toBe(5000);
  });

  it('returns the first success with the attempt count, sleeping the backoff in between', async () => {
    const waits: number[] = [];
    const retries: number[] = [];
    let n = 0;
    const result = await retry(
      async () => {
        if (++n < 3) throw new Error(`fail ${n}`);
        return 'ok';
      },
      { tries: 5, backoffMs: 10, sleep: async (ms) => void waits.push(ms), onRetry: (a) => retries.push(a) },
    );
    expect(result).toEqual({ value: 'ok', attempts: 3 });
    expect(waits).toEqual([10, 20]);
    expect(retries).toEqual([1, 2]);
  });

  it('gives up after the last try with the last error and the attempt count', async () => {
    let n = 0;
    const err = await retry(
      async () => {
        throw new Error(`remote gone ${++n}`);
      },
      { tries: 3, backoffMs: 1, sleep: async () => {} },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryError);
    expect((err as RetryError).attempts).toBe(3);
    expect((err as RetryError).message).toBe('failed after 3 attempts: remote gone 3');
  });

  it('rejects a non-positive number of tries', async () => {
    await expect(retry(async () => 1, { tries: 0, backoffMs: 1 })).rejects.toThrow(/positive integer/);
  });
});
