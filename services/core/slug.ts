// Movie ids in the course format, made from MovieLens titles: `Toy Story (1995)` -> `toy+story+1995`.
// The rules follow the ids seen in the course's own logs and API responses (the course samples,
// `../shared/data/course-samples` beside the clone, not committed): `10th & Wolf` ->
// `10th++wolf+2006` (`&` dropped, spaces kept), `20,000 Leagues ...` -> `20_000+leagues...` (comma to `_`), `Schindler's List` ->
// `schindlers+list+1993` and `The Lord of the Rings: The Fellowship ...` -> `the+lord+of+the+rings+the+...`
// (apostrophes and colons dropped), `À la mode` -> `+la+mode+1993` and `Amélie` -> `amlie+2001`
// (non-ASCII letters dropped, not transliterated), `3 A.M.` -> `3+a.m.+2001` (dots and hyphens kept),
// `Vermont Is for Lovers` with no year -> `vermont+is+for+lovers+` (trailing `+`).
import { MarqueeError } from './errors.ts';

/** Articles MovieLens moves to the end of a title (`American President, The`). */
const TRAILING_ARTICLE =
  /^(.+), (The|A|An|La|Le|Les|L'|El|Los|Las|Il|I|Lo|Gli|Das|Der|Die|Den|Det|De|Het|Da|Un|Une)$/;
/** `(1995)`, or a range such as `(2006–2007)` (first year kept), at the very end. */
const YEAR = /\s*\((\d{4})(?:\s*[-–]\s*\d{0,4})?\)$/;
/** A parenthesised alternate title (`(a.k.a. Se7en)`, `(Postino, Il)`) at the end. */
const ALTERNATE = /\s*\([^()]*\)$/;

/** Splits a MovieLens title into its main title (article restored, alternates dropped) and year. */
export function splitTitle(title: string): { name: string; year: string } {
  let name = title.trim();
  let year = '';
  const y = YEAR.exec(name);
  if (y) {
    year = y[1];
    name = name.slice(0, y.index).trimEnd();
  }
  // Drop alternate titles, but never the whole title (e.g. a title that is only parentheses).
  for (let alt = ALTERNATE.exec(name); alt && alt.index > 0; alt = ALTERNATE.exec(name)) {
    name = name.slice(0, alt.index).trimEnd();
  }
  const a = TRAILING_ARTICLE.exec(name);
  if (a) name = a[2].endsWith("'") ? `${a[2]}${a[1]}` : `${a[2]} ${a[1]}`;
  return { name, year };
}

/** Course-format movie id of a MovieLens title. Pure; may collide for distinct movies (see uniqueSlugs). */
export function movieSlug(title: string): string {
  const { name, year } = splitTitle(title);
  let out = '';
  for (const ch of name.toLowerCase()) {
    if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch === '.' || ch === '-' || ch === '_') out += ch;
    else if (ch === ' ' || ch === '\t') out += '+';
    else if (ch === ',') out += '_';
    // Everything else (& ' : ! ? / + non-ASCII ...) is dropped, as in the course's ids.
  }
  return `${out}+${year}`;
}

/**
 * Slugs for a catalogue, unique per movie. On a collision the movie with the smallest id keeps the
 * plain slug and each other one gets `~<its id>` appended; `~` never occurs in a plain slug, so a
 * disambiguated id can collide with nothing.
 */
export function uniqueSlugs(movies: ReadonlyArray<{ id: number; title: string }>): Map<number, string> {
  const byId = [...movies].sort((a, b) => a.id - b.id);
  const taken = new Set<string>();
  const out = new Map<number, string>();
  for (const m of byId) {
    if (out.has(m.id)) throw new MarqueeError('INPUT', `duplicate movie id ${m.id}`);
    const plain = movieSlug(m.title);
    const slug = taken.has(plain) ? `${plain}~${m.id}` : plain;
    taken.add(slug);
    out.set(m.id, slug);
  }
  return out;
}
