import { describe, expect, it } from 'vitest';
import { convert, isoSeconds, parseCsvRecord, wholeStars } from '../../../scripts/make-sample.ts';

describe('parseCsvRecord', () => {
  it('splits plain and quoted fields', () => {
    expect(parseCsvRecord('1,Toy Story (1995),Comedy')).toEqual(['1', 'Toy Story (1995)', 'Comedy']);
    expect(parseCsvRecord('11,"American President, The (1995)",Drama')).toEqual(['11', 'American President, The (1995)', 'Drama']);
    expect(parseCsvRecord('7,"Say ""Hi"", Bob",')).toEqual(['7', 'Say "Hi", Bob', '']);
  });
  it('refuses broken quoting', () => {
    expect(() => parseCsvRecord('1,"open')).toThrow(/unterminated/);
    expect(() => parseCsvRecord('1,"a"b,c')).toThrow(/after a closing quote/);
  });
});

describe('wholeStars', () => {
  it('rounds half stars up to 1..5', () => {
    expect([0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5].map(wholeStars)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });
  it('refuses out-of-range ratings', () => {
    for (const r of [0, 5.5, -1, NaN]) expect(() => wholeStars(r)).toThrow(/out of range/);
  });
});

describe('isoSeconds', () => {
  it('formats Unix seconds as ISO-8601 UTC without zone', () => {
    expect(isoSeconds(964982703)).toBe('2000-07-30T18:45:03');
    expect(isoSeconds(0)).toBe('1970-01-01T00:00:00');
  });
});

describe('convert', () => {
  const movies = 'movieId,title,genres\r\n1,Toy Story (1995),Comedy\r\n11,"American President, The (1995)",Drama\r\n838,Emma (1996),Drama\r\n26958,Emma (1996),Drama\r\n';
  it('writes the clean-ratings format with slugs, whole stars and ISO times', () => {
    const ratings = 'userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,11,0.5,964982224\r\n2,26958,3.5,964982931\r\n2,838,5.0,964982931\r\n';
    const c = convert(movies, ratings);
    expect(c.csv).toBe(
      'user_id,movie_id,rating,timestamp\n' +
        '1,toy+story+1995,4,2000-07-30T18:45:03\n' +
        '1,the+american+president+1995,1,2000-07-30T18:37:04\n' +
        '2,emma+1996~26958,4,2000-07-30T18:48:51\n' +
        '2,emma+1996,5,2000-07-30T18:48:51\n',
    );
    expect(c).toMatchObject({ ratings: 4, users: 2, movies: 4 });
    expect(c.disambiguated).toEqual([{ id: 26958, title: 'Emma (1996)', slug: 'emma+1996~26958' }]);
  });

  it('keeps one row per user and movie, the latest rating winning', () => {
    const ratings = 'userId,movieId,rating,timestamp\n1,1,2.0,200\n1,1,5.0,300\n1,1,1.0,100\n';
    expect(convert(movies, ratings).csv).toBe('user_id,movie_id,rating,timestamp\n1,toy+story+1995,5,1970-01-01T00:05:00\n');
  });

  it('names the line of bad input', () => {
    expect(() => convert(movies, 'userId,movieId,rating,timestamp\n1,999,4.0,1\n')).toThrow(/line 2: unknown movieId 999/);
    expect(() => convert(movies, 'userId,movieId,rating,timestamp\n1,1,4.0\n')).toThrow(/line 2: malformed/);
    expect(() => convert(movies, 'user,movie\n')).toThrow(/expected header/);
  });
});
