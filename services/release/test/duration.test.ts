import { describe, expect, it } from 'vitest';
import { DurationError, formatDuration, parseDuration, promDuration } from '../duration.ts';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['12h', 43_200_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['2d', 172_800_000],
    [' 15m ', 900_000],
    ['1m30s', 90_000],
    ['10S', 10_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', 's', '5x', '1h 30m', '-5s', '0s', '0ms', '1.5.5s', 'h1', '30s!'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
  });

  it('names the bad value in the error', () => {
    expect(() => parseDuration('12 hours')).toThrow(/'12 hours'/);
  });
});

describe('formatDuration', () => {
  it.each([
    [500, '500ms'],
    [1500, '1.5s'],
    [30_000, '30s'],
    [90_000, '1m30s'],
    [43_200_000, '12h'],
    [90_061_000, '1d1h1m1s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips whole-second durations', () => {
    for (const ms of [1000, 61_000, 3_600_000, 5_400_000, 86_400_000 + 1000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe('promDuration', () => {
  it('gives whole seconds, at least 1s', () => {
    expect(promDuration(30_000)).toBe('30s');
    expect(promDuration(43_200_000)).toBe('43200s');
    expect(promDuration(200)).toBe('1s');
    expect(promDuration(1499)).toBe('1s');
  });
});
