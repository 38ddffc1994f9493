// Movie ids are course slugs (`the+godfather+1972`, `10th++wolf+2006`, `+la+mode+1993`,
// `vermont+is+for+lovers+`, `dr.+strangelove...`, disambiguated `title+1999~123`). They are kept as
// logged, except that percent-escapes are decoded. A valid id never holds a character that would
// break the clean CSV or the log format: whitespace, control characters, `,` `"` `/` `\` `=` `%`.

export const MAX_MOVIE_ID_LENGTH = 300;

function allowed(c: number): boolean {
  if (c <= 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0) || c === 0xfffd) return false;
  // , " / \ = %
  return c !== 0x2c && c !== 0x22 && c !== 0x2f && c !== 0x5c && c !== 0x3d && c !== 0x25;
}

/** True when `s` is a valid movie id as it is (no decoding). */
export function isValidMovieId(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > MAX_MOVIE_ID_LENGTH) return false;
  for (let i = 0; i < n; i++) if (!allowed(s.charCodeAt(i))) return false;
  return true;
}

/** The canonical id of a logged movie id (percent-escapes decoded), or null when it is not valid. */
export function normalizeMovieId(raw: string): string | null {
  if (raw.indexOf('%') === -1) return isValidMovieId(raw) ? raw : null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null; // bad escape or invalid UTF-8
  }
  return isValidMovieId(decoded) ? decoded : null;
}
