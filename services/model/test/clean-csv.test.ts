import { describe, expect, it } from 'vitest';
import { formatRating, formatWatch, parseRatingRow, parseWatchRow, RATING_HEADER, WATCH_HEADER } from '../index.ts';

describe('the clean CSV rows', () => {
  it('parse back what they format', () => {
    const rating = { user: 7, movie: 'the+godfather+1972', rating: 5, at: '2023-11-29T14:05:40' };
    const watch = { user: 7, movie: '+la+mode+1993', minutes: 89, lastSeen: '2023-11-29T14:05' };
    expect(parseRatingRow(formatRating(rating))).toEqual(rating);
    expect(parseWatchRow(formatWatch(watch))).toEqual(watch);
  });

  it('refuse the headers and rows outside the limits, saying why', () => {
    expect(parseRatingRow(RATING_HEADER)).toBe("user_id 'user_id' is not a positive integer");
    expect(parseWatchRow(WATCH_HEADER)).toBe("user_id 'user_id' is not a positive integer");
    const limits = { ratingMin: 1, ratingMax: 5, maxUserId: 100 };
    expect(parseRatingRow('101,a+1999,3,2023-11-29T14:05', limits)).toBe('user_id 101 is outside 1..100');
    expect(parseRatingRow('1,a+1999,3.5,2023-11-29T14:05', limits)).toBe("rating '3.5' is not an integer");
    expect(parseRatingRow('1,a/b,3,2023-11-29T14:05', limits)).toBe("invalid movie_id 'a/b'");
    expect(parseWatchRow('1,a+1999,3,yesterday')).toBe("invalid last_seen 'yesterday'");
  });
});
