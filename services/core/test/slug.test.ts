import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { movieSlug, splitTitle, uniqueSlugs } from '../slug.ts';

describe('movieSlug', () => {
  // Course ids seen in real course logs and API responses (course-samples) next to their titles.
  it.each([
    ['Toy Story (1995)', 'toy+story+1995'],
    ['10th & Wolf (2006)', '10th++wolf+2006'],
    ['20,000 Leagues Under the Sea (1916)', '20_000+leagues+under+the+sea+1916'],
    ['...And Justice for All (1979)', '...and+justice+for+all+1979'],
    ['3 A.M. (2001)', '3+a.m.+2001'],
    ['7 Faces of Dr. Lao (1964)', '7+faces+of+dr.+lao+1964'],
    ['À la mode (1993)', '+la+mode+1993'],
    ["Schindler's List (1993)", 'schindlers+list+1993'],
    ['Lord of the Rings: The Fellowship of the Ring, The (2001)', 'the+lord+of+the+rings+the+fellowship+of+the+ring+2001'],
    ['Good, the Bad and the Ugly, The (Buono, il brutto, il cattivo, Il) (1966)', 'the+good_+the+bad+and+the+ugly+1966'],
    ['Harry Potter and the Half-Blood Prince (2009)', 'harry+potter+and+the+half-blood+prince+2009'],
    ['Monsters, Inc. (2001)', 'monsters_+inc.+2001'],
    ["Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)", 'amlie+2001'],
    ["One Flew Over the Cuckoo's Nest (1975)", 'one+flew+over+the+cuckoos+nest+1975'],
    ['Vermont Is for Lovers', 'vermont+is+for+lovers+'],
  ])('%s -> %s', (title, slug) => {
    expect(movieSlug(title)).toBe(slug);
  });

  it('moves MovieLens trailing articles back to the front, including elided ones', () => {
    expect(movieSlug('American President, The (1995)')).toBe('the+american+president+1995');
    expect(movieSlug('Walk in the Clouds, A (1995)')).toBe('a+walk+in+the+clouds+1995');
    expect(movieSlug('Misérables, Les (1995)')).toBe('les+misrables+1995');
    expect(movieSlug("Atalante, L' (1934)")).toBe('latalante+1934');
    expect(movieSlug('Mariachi, El (1992)')).toBe('el+mariachi+1992');
    // A comma that is not an article stays a comma (`_`).
    expect(movieSlug('Paris, Texas (1984)')).toBe('paris_+texas+1984');
    expect(movieSlug('I, Robot (2004)')).toBe('i_+robot+2004');
  });

  it('keeps the main title when alternates follow in parentheses', () => {
    expect(movieSlug('City of Lost Children, The (Cité des enfants perdus, La) (1995)')).toBe('the+city+of+lost+children+1995');
    expect(movieSlug('Léon: The Professional (a.k.a. The Professional) (Léon) (1994)')).toBe('lon+the+professional+1994');
    expect(movieSlug('(500) Days of Summer (2009)')).toBe('500+days+of+summer+2009');
  });

  it('tolerates trailing blanks and year ranges', () => {
    expect(movieSlug('Justice League: Doom (2012) ')).toBe('justice+league+doom+2012');
    expect(movieSlug('Death Note: Desu nôto (2006–2007)')).toBe('death+note+desu+nto+2006');
  });

  it('only ever produces characters that are safe in URLs and in comma-separated results', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (title) => {
        expect(movieSlug(title)).toMatch(/^[a-z0-9.+_-]*\+(\d{4})?$/);
      }),
    );
  });
});

describe('splitTitle', () => {
  it('separates name and year', () => {
    expect(splitTitle('Usual Suspects, The (1995)')).toEqual({ name: 'The Usual Suspects', year: '1995' });
    expect(splitTitle('Babylon 5')).toEqual({ name: 'Babylon 5', year: '' });
  });
});

describe('uniqueSlugs', () => {
  it('gives the lowest id the plain slug and disambiguates the others with ~id', () => {
    const slugs = uniqueSlugs([
      { id: 26958, title: 'Emma (1996)' },
      { id: 838, title: 'Emma (1996)' },
      { id: 1, title: 'Toy Story (1995)' },
    ]);
    expect(slugs.get(838)).toBe('emma+1996');
    expect(slugs.get(26958)).toBe('emma+1996~26958');
    expect(slugs.get(1)).toBe('toy+story+1995');
  });

  it('always returns distinct slugs', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 10_000 }), title: fc.constantFrom('A (1990)', 'A, The', 'The A', 'a (1990)', 'B') }), {
          selector: (m) => m.id,
          maxLength: 30,
        }),
        (movies) => {
          const slugs = [...uniqueSlugs(movies).values()];
          expect(new Set(slugs).size).toBe(movies.length);
        },
      ),
    );
  });

  it('rejects a catalogue with a repeated id', () => {
    expect(() => uniqueSlugs([{ id: 1, title: 'A' }, { id: 1, title: 'B' }])).toThrow(/duplicate movie id 1/);
  });
});
