// One spooled row per line: the nine fields in reccom's column order, tab-separated, then '\n'.
//
// Why not JSON: a line is made on the request path of every answer (spool.ts), and a fixed field
// order of plain text costs about half of JSON.stringify of the same array (no quoting pass over
// every string, no array built). The text fields the app makes never hold a tab, a newline or a
// backslash (ids, names and comma-separated movie ids), but nothing is assumed: those three are
// escaped as \t, \n and \\, so any text round-trips.
//
// Lines written before this format (a JSON array, SPOOL_FIELDS order) are still read: a spool
// left by the previous version of the service is replayed by the next one.
import type { ProvenanceRow } from '../../core/provenance/row.ts';

const NEEDS_ESCAPE = /[\\\t\n]/;
const ESCAPED = /[\\\t\n]/g;
const ESCAPE_OF: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n' };
const UNESCAPE_OF: Record<string, string> = { '\\': '\\', t: '\t', n: '\n' };

const esc = (s: string): string => (NEEDS_ESCAPE.test(s) ? s.replace(ESCAPED, (c) => ESCAPE_OF[c]) : s);

/** The text of an escaped field, or null when it holds an escape this format does not make. */
function unesc(s: string): string | null {
  if (!s.includes('\\')) return s;
  let bad = false;
  const out = s.replace(/\\(.?)/gs, (_, c: string) => {
    const u = UNESCAPE_OF[c];
    if (u === undefined) bad = true;
    return u ?? '';
  });
  return bad ? null : out;
}

/** A number field: finite, as written by `${n}`. */
function num(s: string): number | null {
  if (s === '' || s.trim() !== s) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

export function encodeRow(r: ProvenanceRow): string {
  return `${esc(r.requestId)}\t${esc(r.replica)}\t${esc(r.version)}\t${r.userId}\t${r.servedAt}\t${esc(r.track)}\t${r.status}\t${r.latencyMs}\t${esc(r.result)}\n`;
}

/** One spooled row (without its '\n'), or null when the line is not one (a torn or foreign line). */
export function decodeRow(line: string): ProvenanceRow | null {
  if (line.startsWith('[')) return decodeJsonRow(line);
  const f = line.split('\t');
  if (f.length !== 9) return null;
  const requestId = unesc(f[0]);
  const replica = unesc(f[1]);
  const version = unesc(f[2]);
  const userId = num(f[3]);
  const servedAt = num(f[4]);
  const track = unesc(f[5]);
  const status = num(f[6]);
  const latencyMs = num(f[7]);
  const result = unesc(f[8]);
  if (requestId === null || replica === null || version === null || track === null || result === null) return null;
  if (userId === null || servedAt === null || status === null || latencyMs === null) return null;
  return { requestId, replica, version, userId, servedAt, track, status, latencyMs, result };
}

/** A line of the earlier format: a JSON array of the nine fields. */
export function decodeJsonRow(line: string): ProvenanceRow | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length !== 9) return null;
  const [requestId, replica, version, userId, servedAt, track, status, latencyMs, result] = v as unknown[];
  if (typeof requestId !== 'string' || typeof replica !== 'string' || typeof version !== 'string' || typeof track !== 'string') return null;
  if (typeof result !== 'string') return null;
  for (const n of [userId, servedAt, status, latencyMs]) if (typeof n !== 'number' || !Number.isFinite(n)) return null;
  return {
    requestId,
    replica,
    version,
    userId: userId as number,
    servedAt: servedAt as number,
    track,
    status: status as number,
    latencyMs: latencyMs as number,
    result,
  };
}
