import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countFromDvcText, countRows } from '../check-data/previous-count.ts';
import { formatProblems, validateCleanRatings } from '../check-data/validate.ts';
import { GOOD, HEADER } from './check-data-fixture.ts';

const LIMITS = { ratingMin: 1, ratingMax: 5, maxUserId: 1_000_000 };

const tmp = mkdtempSync(join(tmpdir(), 'marquee-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('validateCleanRatings', () => {
  it('accepts a clean file and counts rows, users and movies', () => {
    expect(validateCleanRatings(GOOD, LIMITS)).toEqual({ ok: true, rows: 3, users: 2, movies: 2, problems: [], problemCount: 0 });
    expect(validateCleanRatings(`${HEADER}\n`, LIMITS)).toMatchObject({ ok: true, rows: 0 });
  });

  it('names each offending row with its line and reason', () => {
    const text = [
      HEADER,
      '1,up+2009,4,2023-11-29T14:05:40',
      '0,up+2009,4,2023-11-29T14:05:40',
      '-3,up+2009,4,2023-11-29T14:05:40',
      '1,,4,2023-11-29T14:05:40',
      '1,a b,4,2023-11-29T14:05:40',
      '1,cars+2006,6,2023-11-29T14:05:40',
      '1,cars+2006,4.5,2023-11-29T14:05:40',
      '1,cars+2006,4,2023-02-30T14:05:40',
      '1,up+2009,3,2023-11-29T15:00:00',
      '1,cars+2006,4',
      '',
      '1,cars+2006,4,2023-11-29T14:05:40',
    ].join('\n');
    const r = validateCleanRatings(text, LIMITS);
    expect(r.ok).toBe(false);
    expect(formatProblems('data/clean_rating.csv', r).split('\n')).toEqual([
      'data/clean_rating.csv:3: user_id 0 is outside 1..1000000',
      "data/clean_rating.csv:4: user_id '-3' is not a positive integer",
      'data/clean_rating.csv:5: empty movie_id',
      "data/clean_rating.csv:6: invalid movie_id 'a b'",
      'data/clean_rating.csv:7: rating 6 is outside 1..5',
      "data/clean_rating.csv:8: rating '4.5' is not an integer",
      "data/clean_rating.csv:9: invalid timestamp '2023-02-30T14:05:40'",
      'data/clean_rating.csv:10: duplicate (user 1, movie up+2009), first at line 2',
      'data/clean_rating.csv:11: expected 4 fields, found 3',
      'data/clean_rating.csv:12: empty line',
    ]);
    expect(r.rows).toBe(3);
  });

  it('checks the header', () => {
    expect(formatProblems('f', validateCleanRatings('userId,movieId,rating,timestamp\n', LIMITS))).toBe(
      "f:1: expected header 'user_id,movie_id,rating,timestamp', found 'userId,movieId,rating,timestamp'",
    );
    expect(validateCleanRatings('', LIMITS).problems[0].reason).toMatch(/empty file/);
  });

  it('flags a file that shrank against the last version', () => {
    expect(validateCleanRatings(GOOD, { ...LIMITS, previousCount: 3 }).ok).toBe(true);
    const r = validateCleanRatings(GOOD, { ...LIMITS, previousCount: 4 });
    expect(formatProblems('f', r)).toBe('f: shrank: 3 valid rows, the last version had 4');
  });

  it('lists the first 50 problems and counts the rest', () => {
    const rows = Array.from({ length: 120 }, (_, i) => `${i + 1},up+2009,9,2023-11-29T14:05:40`);
    const r = validateCleanRatings(`${HEADER}\n${rows.join('\n')}\n`, LIMITS);
    expect(r.problems).toHaveLength(50);
    expect(r.problemCount).toBe(120);
    expect(formatProblems('f', r).split('\n').at(-1)).toBe('... and 70 more problems');
  });

  it('uses the configured rating scale', () => {
    expect(validateCleanRatings(`${HEADER}\n1,up+2009,9,2023-11-29T14:05:40\n`, { ...LIMITS, ratingMax: 10 }).ok).toBe(true);
  });
});

describe('previous row count', () => {
  it('counts data rows after the header', () => {
    expect(countRows(GOOD)).toBe(3);
    expect(countRows(`${HEADER}\n1,a,1,2023-01-01T00:00`)).toBe(1);
    expect(countRows(`${HEADER}\n`)).toBe(0);
    expect(countRows('')).toBe(0);
  });

  it('reads meta.rows from a .dvc file, else counts the cached object', () => {
    expect(countFromDvcText('outs:\n- md5: 0123456789abcdef0123456789abcdef\n  size: 10\n  path: clean_rating.csv\nmeta:\n  rows: 42\n', tmp)?.count).toBe(42);
    const md5 = 'aabbccddeeff00112233445566778899';
    mkdirSync(join(tmp, '.dvc', 'cache', 'files', 'md5', 'aa'), { recursive: true });
    writeFileSync(join(tmp, '.dvc', 'cache', 'files', 'md5', 'aa', md5.slice(2)), GOOD);
    expect(countFromDvcText(`outs:\n- md5: ${md5}\n  size: 10\n  hash: md5\n  path: clean_rating.csv\n`, tmp)).toEqual({
      count: 3,
      source: `DVC cache object ${md5}`,
    });
    expect(countFromDvcText('outs:\n- md5: ffffffffffffffffffffffffffffffff\n  size: 1\n  path: x\n', tmp)).toBeNull();
  });

  it('falls back to a DVC remote folder when the cache lacks the object (a clone without dvc pull)', () => {
    const md5 = 'bbccddeeff00112233445566778899aa';
    const remote = join(tmp, 'remote');
    mkdirSync(join(remote, 'files', 'md5', 'bb'), { recursive: true });
    writeFileSync(join(remote, 'files', 'md5', 'bb', md5.slice(2)), GOOD);
    const dvc = `outs:\n- md5: ${md5}\n  size: 10\n  hash: md5\n  path: clean_rating.csv\n`;
    expect(countFromDvcText(dvc, tmp)).toBeNull();
    expect(countFromDvcText(dvc, tmp, [join(tmp, 'missing'), remote])).toEqual({ count: 3, source: `DVC remote ${remote} object ${md5}` });
  });
});
