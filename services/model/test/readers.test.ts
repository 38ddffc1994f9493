import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRatingsFile, splitHoldout, type Rating } from '../index.ts';
import { scratchDir } from './fixtures.ts';

const scratch = scratchDir();
afterAll(() => scratch.remove());
let counter = 0;
function file(text: string): string {
  const path = join(scratch.dir, `ratings-${counter++}.txt`);
  writeFileSync(path, text);
  return path;
}

describe('readRatingsFile', () => {
  it('reads the clean CSV and keeps course slugs whole', async () => {
    const path = file(
      'user_id,movie_id,rating,timestamp\n' +
        '1,the+godfather+1972,5,2023-11-29T14:05:40\n' +
        '22,+la+mode+1993,3,2023-11-29T14:05:41\n' +
        '333,10th++wolf+2006,4,2023-11-29T14:05:42\n' +
        '4444,20_000+leagues+under+the+sea+1916,1,2023-11-29T14:05:43\n',
    );
    const result = await readRatingsFile(path);
    expect(result).toEqual({
      rows: [
        { user: 1, movie: 'the+godfather+1972', rating: 5 },
        { user: 22, movie: '+la+mode+1993', rating: 3 },
        { user: 333, movie: '10th++wolf+2006', rating: 4 },
        { user: 4444, movie: '20_000+leagues+under+the+sea+1916', rating: 1 },
      ],
      bad: 0,
      errors: [],
    });
  });

  it('reads MovieLens u.data (tab-separated, no header)', async () => {
    const path = file('196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116');
    const result = await readRatingsFile(path);
    expect(result.rows).toEqual([
      { user: 196, movie: '242', rating: 3 },
      { user: 186, movie: '302', rating: 3 },
      { user: 22, movie: '377', rating: 1 },
    ]);
    expect(result.bad).toBe(0);
  });

  it.each([
    ['CRLF', '\r\n'],
    ['LF', '\n'],
  ])('reads MovieLens ratings.csv with %s line ends and half stars', async (_name, eol) => {
    const path = file(['userId,movieId,rating,timestamp', '1,1,4.0,964982703', '1,3,0.5,964981247', '2,50,5.0,964982931', ''].join(eol));
    const result = await readRatingsFile(path, { ratingMin: 0.5, ratingMax: 5 });
    expect(result.rows).toEqual([
      { user: 1, movie: '1', rating: 4 },
      { user: 1, movie: '3', rating: 0.5 },
      { user: 2, movie: '50', rating: 5 },
    ]);
    expect(result.bad).toBe(0);
  });

  it('detects the format from a BOM-prefixed header, and an explicit format overrides detection', async () => {
    const bom = file('\uFEFFuserId,movieId,rating,timestamp\r\n7,9,3.5,1\r\n');
    expect((await readRatingsFile(bom)).rows).toEqual([{ user: 7, movie: '9', rating: 3.5 }]);
    const headerless = file('5,toy+story+1995,4,2023-01-01T00:00:00\n');
    await expect(readRatingsFile(headerless)).rejects.toThrow(/cannot detect the format .*pass a format/);
    expect((await readRatingsFile(headerless, { format: 'clean' })).rows).toEqual([{ user: 5, movie: 'toy+story+1995', rating: 4 }]);
  });

  it('counts and skips bad rows of the clean CSV with file, line and the clean parser\'s reason, keeping the good ones', async () => {
    const path = file(
      [
        'user_id,movie_id,rating,timestamp', // 1
        '1,good+movie+2000,4,2023-11-29T14:05:40', // 2
        '2,too,many,fields,here', // 3
        'abc,the+matrix+1999,4,2023-11-29T14:05:40', // 4
        '-5,the+matrix+1999,4,2023-11-29T14:05:40', // 5
        '3,,4,2023-11-29T14:05:40', // 6
        '4,the+matrix+1999,6,2023-11-29T14:05:40', // 7
        '5,the+matrix+1999,,2023-11-29T14:05:40', // 8
        '', // 9
        '6,the+matrix+1999,five,2023-11-29T14:05:40', // 10
        '0,the+matrix+1999,3,2023-11-29T14:05:40', // 11
        '7,alien+1979,2,2023-11-29T14:05:40', // 12
      ].join('\n'),
    );
    const result = await readRatingsFile(path);
    expect(result.rows).toEqual([
      { user: 1, movie: 'good+movie+2000', rating: 4 },
      { user: 7, movie: 'alien+1979', rating: 2 },
    ]);
    expect(result.bad).toBe(9);
    expect(result.errors.map((e) => [e.line, e.reason])).toEqual([
      [3, 'expected 4 fields, found 5'],
      [4, "user_id 'abc' is not a positive integer"],
      [5, "user_id '-5' is not a positive integer"],
      [6, 'empty movie_id'],
      [7, 'rating 6 is outside 1..5'],
      [8, "rating '' is not an integer"],
      [9, 'empty line'],
      [10, "rating 'five' is not an integer"],
      [11, 'user_id 0 is outside 1..2147483647'],
    ]);
    expect(result.errors.every((e) => e.file === path)).toBe(true);
  });

  it('keeps only the first 100 errors but counts them all', async () => {
    const lines = ['196\t242\t3\t881250949'];
    for (let j = 0; j < 150; j++) lines.push(`x\t1\t3\t1`);
    const result = await readRatingsFile(file(lines.join('\n')));
    expect(result.rows).toHaveLength(1);
    expect(result.bad).toBe(150);
    expect(result.errors).toHaveLength(100);
    expect(result.errors[99].line).toBe(101);
  });

  it('reads a file larger than one stream chunk without losing or splitting lines', async () => {
    const lines = ['user_id,movie_id,rating,timestamp'];
    for (let j = 1; j <= 60_000; j++) lines.push(`${j},movie+number+${j % 977}+with+a+long+slug+é,${(j % 5) + 1},2023-11-29T14:05:40`);
    const result = await readRatingsFile(file(lines.join('\n') + '\n'));
    expect(result.bad).toBe(0);
    expect(result.rows).toHaveLength(60_000);
    expect(result.rows[59_999]).toEqual({ user: 60_000, movie: `movie+number+${60_000 % 977}+with+a+long+slug+é`, rating: 1 });
  });
});

describe('splitHoldout', () => {
  const rows: Rating[] = Array.from({ length: 1000 }, (_, j) => ({ user: j + 1, movie: `m${j % 50}`, rating: (j % 5) + 1 }));

  it('holds out the requested fraction, disjoint and complete, in input order', () => {
    const { train, test } = splitHoldout(rows, 0.2, 42);
    expect(test).toHaveLength(200);
    expect(train).toHaveLength(800);
    expect(new Set([...train, ...test]).size).toBe(1000);
    const users = (list: Rating[]) => list.map((r) => r.user);
    expect(users(test)).toEqual([...users(test)].sort((a, b) => a - b));
    expect(users(train)).toEqual([...users(train)].sort((a, b) => a - b));
  });

  it('is reproducible for a seed and differs between seeds', () => {
    expect(splitHoldout(rows, 0.2, 42).test).toEqual(splitHoldout(rows, 0.2, 42).test);
    expect(splitHoldout(rows, 0.2, 43).test).not.toEqual(splitHoldout(rows, 0.2, 42).test);
  });

  it('rejects fractions outside (0, 1)', () => {
    expect(() => splitHoldout(rows, 0, 1)).toThrow(/fraction/);
    expect(() => splitHoldout(rows, 1, 1)).toThrow(/fraction/);
  });
});
