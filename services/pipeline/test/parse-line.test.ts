import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../parse/line.ts';
import { logLinesFromDump } from '../parse/python-dump.ts';
import { REJECT_REASONS } from '../parse/types.ts';
import { courseSamples } from './paths.ts';

const reason = (line: string, opts?: Parameters<typeof parseLine>[1]) => {
  const r = parseLine(line, opts);
  return r.kind === 'rejected' ? r.reason : r.kind;
};

describe('parseLine: the course line kinds', () => {
  it('parses a watch line', () => {
    expect(parseLine('2023-11-29T14:02:11,545850,GET /data/m/the+godfather+1972/17.mpg')).toEqual({
      kind: 'watch',
      at: '2023-11-29T14:02:11',
      user: 545850,
      movie: 'the+godfather+1972',
      minute: 17,
    });
  });

  it('parses a rate line', () => {
    expect(parseLine('2023-11-29T14:05:40,545850,GET /rate/the+godfather+1972=5')).toEqual({
      kind: 'rate',
      at: '2023-11-29T14:05:40',
      user: 545850,
      movie: 'the+godfather+1972',
      rating: 5,
    });
  });

  it('parses a successful recommendation line', () => {
    expect(
      parseLine('2023-11-29T14:06:02.097,637838,recommendation request team-4.example.edu:8082, status 200, result: a+1999, b+2001, c+2010, 56 ms'),
    ).toEqual({
      kind: 'recommendation',
      at: '2023-11-29T14:06:02.097',
      user: 637838,
      server: 'team-4.example.edu:8082',
      status: 200,
      results: ['a+1999', 'b+2001', 'c+2010'],
      error: null,
      latencyMs: 56,
    });
  });

  it('takes the LAST ", <n> ms" as the latency when the error text holds commas and "ms"', () => {
    const r = parseLine(
      '2023-11-29T14:06:03.176557,12,recommendation request team-4.example.edu:8082, status 0, result: java.util.concurrent.TimeoutException: Request timeout to team-4.example.edu/10.0.0.1:8082 after 800 ms, 815 ms',
    );
    expect(r).toMatchObject({
      kind: 'recommendation',
      status: 0,
      results: null,
      error: 'java.util.concurrent.TimeoutException: Request timeout to team-4.example.edu/10.0.0.1:8082 after 800 ms',
      latencyMs: 815,
    });
    const commas = parseLine('2023-11-29T14:06:03,12,recommendation request h:1, status 503, result: upstream, busy, 12 ms, try later, 40 ms');
    expect(commas).toMatchObject({ status: 503, error: 'upstream, busy, 12 ms, try later', latencyMs: 40 });
  });

  it('parses the verbatim course lines listed in SOURCES.md', () => {
    expect(
      parseLine(
        '2022-02-09T01:45:32.945123,284507,recommendation request 17645-team17.isri.cmu.edu:8082, status 0, result: java.util.concurrent.TimeoutException: Request timeout to 17645-team17.isri.cmu.edu/128.2.205.118:8082 after 800 ms, 815 ms',
      ),
    ).toMatchObject({ kind: 'recommendation', user: 284507, server: '17645-team17.isri.cmu.edu:8082', status: 0, latencyMs: 815 });
    expect(
      parseLine(
        '2020-10-23T14:32:43.149,23,recommendation request fall2020-comp598-1.cs.mcgill.ca:8082, status 0, result: Connection refused: fall2020-comp598-1.cs.mcgill.ca/132.206.51.156:8082, 1369 ms',
      ),
    ).toMatchObject({ status: 0, error: 'Connection refused: fall2020-comp598-1.cs.mcgill.ca/132.206.51.156:8082', latencyMs: 1369 });
    expect(
      parseLine(
        '2025-10-17T01:33:45.122692921,227244,recommendation request 17645-team08.isri.cmu.edu:8082, status 200, result: big+hero+6+2014, avatar+2009, 25 ms',
      ),
    ).toMatchObject({ at: '2025-10-17T01:33:45.122692921', results: ['big+hero+6+2014', 'avatar+2009'], latencyMs: 25 });
    expect(parseLine('2023-03-20T08:13,722141,GET /data/m/schindlers+list+1993/154.mpg')).toMatchObject({
      kind: 'watch',
      at: '2023-03-20T08:13',
      minute: 154,
    });
  });

  it('accepts an empty result list and 5xx statuses', () => {
    expect(parseLine('2023-11-29T14:06:02,5,recommendation request h:8082, status 200, result: , 3 ms')).toMatchObject({ results: [], latencyMs: 3 });
    expect(parseLine('2023-11-29T14:06:02,5,recommendation request h:8082, status 502, result: Bad Gateway, 7 ms')).toMatchObject({
      status: 502,
      error: 'Bad Gateway',
    });
  });

  it('rejects broken recommendation lines', () => {
    const base = '2023-11-29T14:06:02,5,recommendation request ';
    expect(reason(`${base}h:8082, status 200, result: a+1999, 56`)).toBe('bad_recommendation'); // no " ms"
    expect(reason(`${base}h:8082, status 200, result: a+1999, x ms`)).toBe('bad_recommendation');
    expect(reason(`${base}h, status 200, result: a+1999, 5 ms`)).toBe('bad_recommendation'); // no port
    expect(reason(`${base}h:99999, status 200, result: a+1999, 5 ms`)).toBe('bad_recommendation');
    expect(reason(`${base}h:8082, status abc, result: a+1999, 5 ms`)).toBe('bad_recommendation');
    expect(reason(`${base}h:8082, result: a+1999, 5 ms`)).toBe('bad_recommendation');
    expect(reason(`${base}h:8082, status 200, result: a b, 5 ms`)).toBe('bad_result'); // space in an id
  });
});

describe('parseLine: field validation', () => {
  const watch = (ts: string, user = '1', movie = 'm+2000', minute = '3') => `${ts},${user},GET /data/m/${movie}/${minute}.mpg`;

  it('accepts timestamps without seconds and with 3, 6 or 9 fraction digits', () => {
    for (const ts of ['2023-03-20T08:13', '2023-03-20T08:13:05', '2023-03-20T08:13:05.123', '2023-03-20T08:13:05.123456', '2023-03-20T08:13:05.123456789']) {
      expect(reason(watch(ts))).toBe('watch');
    }
  });

  it('rejects impossible or malformed timestamps', () => {
    for (const ts of [
      '2022-1k0-28T04:23:23',
      '2022-10-28T 04:23:23',
      '2022-13-01T00:00:00',
      '2022-00-01T00:00:00',
      '2022-02-29T00:00:00', // not a leap year
      '2022-04-31T00:00:00',
      '2022-10-28T24:00:00',
      '2022-10-28T10:60:00',
      '2022-10-28T10:00:60',
      '2022-10-28T10:00:00.1',
      '2022-10-28T10:00:00.1234',
      '2022-10-28 10:00:00',
      '2022-10-28T10:00:00Z',
      '22-10-28T10:00:00',
      '',
    ]) {
      expect(reason(watch(ts)), ts).toBe('bad_timestamp');
    }
    expect(reason(watch('2024-02-29T00:00:00'))).toBe('watch'); // leap year
    expect(reason(watch('2000-02-29T00:00'))).toBe('watch');
  });

  it('accepts user ids 1..maxUserId and rejects the rest', () => {
    expect(reason(watch('2023-01-01T00:00', '1'))).toBe('watch');
    expect(reason(watch('2023-01-01T00:00', '1000000'))).toBe('watch');
    for (const u of ['-25611', '24f162', '5521777', '0', '', '007', '1.5', ' 12']) expect(reason(watch('2023-01-01T00:00', u)), u).toBe('bad_user');
    expect(reason(watch('2023-01-01T00:00', '5521777'), { ratingMin: 1, ratingMax: 5, maxUserId: 10_000_000 })).toBe('watch');
  });

  it('keeps the odd shapes of movie ids', () => {
    for (const movie of [
      '10th++wolf+2006',
      '+la+mode+1993',
      '20_000+leagues+under+the+sea+1916',
      'dr.+strangelove+or+how+i+learned+to+stop+worrying+and+love+the+bomb+1964',
      '...and+justice+for+all+1979',
      'ben-hur+1959',
      'vermont+is+for+lovers+',
      '3+a.m.+2001',
      'the+good_+the+bad+and+the+ugly+1966',
      'twins+1988~2005',
    ]) {
      expect(parseLine(watch('2023-01-01T00:00', '7', movie))).toMatchObject({ kind: 'watch', movie });
      expect(parseLine(`2023-01-01T00:00,7,GET /rate/${movie}=4`)).toMatchObject({ kind: 'rate', movie, rating: 4 });
    }
  });

  it('decodes percent-escapes and rejects bad escapes without throwing', () => {
    expect(parseLine(watch('2023-01-01T00:00', '7', 'the%2Bgodfather%2B1972'))).toMatchObject({ movie: 'the+godfather+1972' });
    expect(parseLine(watch('2023-01-01T00:00', '7', 'am%C3%A9lie+2001'))).toMatchObject({ movie: 'amélie+2001' });
    for (const movie of ['bad%zzescape', 'trunc%2', '%C3%28+2001', 'a%2Cb+2000', 'a%20b+2000', 'a%2Fb']) {
      expect(reason(watch('2023-01-01T00:00', '7', movie)), movie).toBe('bad_movie');
    }
  });

  it('rejects empty and unsafe movie ids', () => {
    for (const movie of ['', 'a b', 'a"b', 'a\\b', 'a\tb']) expect(reason(watch('2023-01-01T00:00', '7', movie)), movie).toBe('bad_movie');
    expect(reason('2023-01-01T00:00,7,GET /data/m/a/b/3.mpg')).toBe('bad_movie');
    expect(reason('2023-01-01T00:00,7,GET /data/m/3.mpg')).toBe('bad_movie');
    expect(reason('2023-01-01T00:00,7,GET /rate/=4')).toBe('bad_movie');
  });

  it('validates minutes', () => {
    expect(reason(watch('2023-01-01T00:00', '7', 'm', '0'))).toBe('watch');
    for (const m of ['', '-1', 'x', '1.5', '9999999']) expect(reason(watch('2023-01-01T00:00', '7', 'm', m)), m).toBe('bad_minute');
    expect(reason('2023-01-01T00:00,7,GET /data/m/m+2000/3.mp4')).toBe('bad_minute');
  });

  it('validates ratings against the configured scale', () => {
    const rate = (v: string) => `2023-01-01T00:00,7,GET /rate/m+2000=${v}`;
    for (const v of ['1', '5']) expect(reason(rate(v))).toBe('rate');
    for (const v of ['0', '6', '10', '', '4.5', '-1', 'five', '05']) expect(reason(rate(v)), v).toBe('bad_rating');
    expect(reason('2023-01-01T00:00,7,GET /rate/m+2000')).toBe('bad_rating');
    const tenScale = { ratingMin: 1, ratingMax: 10, maxUserId: 1_000_000 };
    expect(parseLine(rate('10'), tenScale)).toMatchObject({ rating: 10 });
    expect(reason(rate('11'), tenScale)).toBe('bad_rating');
  });

  it('gives a reason for everything else', () => {
    expect(reason('2023-11-29T14:07,99,GET /create_account')).toBe('unknown_request');
    expect(reason('2023-11-29T14:07,99,POST /rate/m=4')).toBe('unknown_request');
    expect(reason('2023-11-29T14:07,99,')).toBe('unknown_request');
    expect(reason('')).toBe('empty');
    expect(reason('\r\n')).toBe('empty');
    expect(reason('garbage')).toBe('malformed');
    expect(reason('a,b')).toBe('malformed');
    expect(reason('a,b,c')).toBe('bad_timestamp');
    expect(reason('\u0000\u0001\u00ff,\ufffd,GET')).toBe('bad_timestamp');
    expect(reason(`2023-11-29T14:07,99,GET /data/m/${'a'.repeat(20_000)}/1.mpg`)).toBe('too_long');
  });

  it('tolerates a CRLF line ending', () => {
    expect(parseLine('2023-11-29T14:05:40,545850,GET /rate/the+godfather+1972=5\r\n')).toMatchObject({ kind: 'rate', rating: 5 });
  });
});

describe('parseLine: real course samples', () => {
  const dump = (commit: string) => readFileSync(join(courseSamples, `mayshri_Team-5@${commit}`, 'tests', 'test-kafka-dump.csv'), 'utf8');

  it('accepts every line of the clean Fall 2022 dump', () => {
    const lines = logLinesFromDump(dump('d43d05d'));
    expect(lines).toHaveLength(5);
    expect(lines.map((l) => reason(l))).toEqual(['watch', 'watch', 'watch', 'watch', 'watch']);
    expect(parseLine(lines[0])).toEqual({ kind: 'watch', at: '2022-09-25T19:44:05', user: 429303, movie: 'the+russia+house+1990', minute: 10 });
  });

  it('rejects exactly the hand-corrupted lines of the later dump, with the right reasons', () => {
    const lines = logLinesFromDump(dump('82f3381'));
    const results = lines.map((l) => [l.split(',').slice(0, 2).join(','), reason(l)]);
    expect(results).toEqual([
      ['2022-10-28T04:23:23,579130', 'watch'],
      ['2022-10-28T 04:23:23,531789', 'bad_timestamp'],
      ['2022-10-28T04:23:23,-25611', 'bad_user'],
      ['2022-10-28T04:23:23,321486', 'watch'],
      ['2022-10-28T04:23:23,416682', 'watch'],
      ['2022-1k0-28T04:23:23,90586', 'bad_timestamp'],
      ['2022-10-28T04:23:23,613693', 'watch'],
      ['2022-10-28T04:23:23.097,44572', 'recommendation'],
      ['2022-10-28T04:23:23,443059', 'watch'],
      ['2022-10-28T04:23:23.099,3058', 'recommendation'],
      ['2022-10-28T04:23:24,12599', 'watch'],
      ['2022-10-28T04:23:24,5521777', 'bad_user'],
      ['2022-10-28T04:23:24,24f162', 'bad_user'],
      ['2022-10-28T04:23:24,226935', 'watch'],
    ]);
    const reco = parseLine(lines[7]);
    expect(reco).toMatchObject({ server: 'fall2022-comp585-5.cs.mcgill.ca:8082', status: 200, latencyMs: 56 });
    expect(reco.kind === 'recommendation' && reco.results).toHaveLength(20);
    expect(reco.kind === 'recommendation' && reco.results?.[18]).toBe('the+good_+the+bad+and+the+ugly+1966');
  });
});

describe('parseLine: fuzzing', () => {
  const isResult = (r: ReturnType<typeof parseLine>) =>
    r.kind === 'watch' || r.kind === 'rate' || r.kind === 'recommendation' || (r.kind === 'rejected' && REJECT_REASONS.includes(r.reason));

  it('never throws on arbitrary strings (full unicode, binary-ish)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => isResult(parseLine(s))),
      { numRuns: 3000 },
    );
  });

  it('never throws on corrupted real lines', () => {
    const seeds = [
      '2023-11-29T14:02:11,545850,GET /data/m/the+godfather+1972/17.mpg',
      '2023-11-29T14:05:40,545850,GET /rate/the+godfather+1972=5',
      '2023-11-29T14:06:02.097,637838,recommendation request team-4.example.edu:8082, status 200, result: a+1999, b+2001, c+2010, 56 ms',
      '2023-11-29T14:06:03.176557,12,recommendation request h:8082, status 0, result: java.util.concurrent.TimeoutException: after 800 ms, 815 ms',
    ];
    const mutated = fc
      .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 6 }))
      .map(([line, edits]) => {
        let s = line;
        for (const [pos, op, text] of edits) {
          const at = pos % (s.length + 1);
          if (op === 0) s = s.slice(0, at) + text + s.slice(at); // insert
          else if (op === 1) s = s.slice(0, at) + s.slice(at + 1 + text.length); // delete
          else if (op === 2) s = s.slice(0, at) + text + s.slice(at + text.length); // overwrite
          else s = s.slice(0, at); // truncate
        }
        return s;
      });
    fc.assert(fc.property(mutated, (s) => isResult(parseLine(s))), { numRuns: 5000 });
  });

  it('round-trips generated valid lines', () => {
    const slugChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789+._-~'.split(''));
    const movie = fc.string({ unit: slugChar, minLength: 1, maxLength: 40 });
    const ts = fc
      .record({
        y: fc.integer({ min: 1970, max: 2099 }),
        mo: fc.integer({ min: 1, max: 12 }),
        d: fc.integer({ min: 1, max: 28 }),
        h: fc.integer({ min: 0, max: 23 }),
        mi: fc.integer({ min: 0, max: 59 }),
        s: fc.option(fc.integer({ min: 0, max: 59 })),
        frac: fc.constantFrom('', '.123', '.123456', '.123456789'),
      })
      .map(({ y, mo, d, h, mi, s, frac }) => {
        const p = (v: number) => String(v).padStart(2, '0');
        return `${y}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}${s === null ? '' : `:${p(s)}${frac}`}`;
      });
    const user = fc.integer({ min: 1, max: 1_000_000 });
    fc.assert(
      fc.property(ts, user, movie, fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 5 }), (at, u, m, minute, rating) => {
        const w = parseLine(`${at},${u},GET /data/m/${m}/${minute}.mpg`);
        const r = parseLine(`${at},${u},GET /rate/${m}=${rating}`);
        return (
          w.kind === 'watch' && w.at === at && w.user === u && w.movie === m && w.minute === minute &&
          r.kind === 'rate' && r.movie === m && r.rating === rating
        );
      }),
      { numRuns: 2000 },
    );
  });
});
