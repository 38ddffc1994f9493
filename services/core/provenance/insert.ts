// The INSERT statements that write provenance rows into `reccom` (schema:
// services/core/db/migrations/), as server-side prepared statements with one `?` per value.
//
// Why prepared: MariaDB spends about a third of a text INSERT's time lexing and parsing the literal
// values (and naming an Item for each); a prepared multi-row INSERT is parsed once per connection
// and each execution only binds binary values, so the server does less per row, and no value is ever
// escaped or spliced into SQL text. A statement is cached per row count, so the row counts used
// are kept to a small fixed set: powers of two up to MAX_ROWS_PER_STATEMENT (a batch of any other
// size is written as a few of them, e.g. 300 = 256 + 32 + 8 + 4).
//
// Why IGNORE: (request_id, replica) is unique (migration 004), and a row may reach MySQL twice: a
// batch retried after the connection dropped once it had committed, or a spool replayed after a
// crash (spool.ts). The copy is skipped. Not ON DUPLICATE KEY UPDATE: that needs the UPDATE
// privilege, and the replicas' user may only INSERT (services/core/db/users.ts). IGNORE would
// also turn a value too long for its column into a silently cut one, so every row is checked
// against the columns first (rowProblem): then a duplicate key is all IGNORE can skip.
import { MODEL_VERSION_PATTERN } from '../model-version.ts';
import { REQUEST_ID } from '../nginx-contract.ts';
import type { ProvenanceRow } from './row.ts';

/** reccom.request_id and reccom.replica: VARCHAR(64) ascii_bin, the request-id rule NGINX keeps. */
const ASCII_ID = REQUEST_ID;
const TRACK = /^[a-z]{1,16}$/;
/** DATETIME ends with year 9999. */
const MAX_DATETIME_MS = Date.UTC(10000, 0, 1);

/** A TEXT column holds 65,535 bytes; a UTF-16 code unit is at most 3 bytes of UTF-8. */
const TEXT_BYTES = 65_535;
const SURELY_FITS_TEXT = Math.floor(TEXT_BYTES / 3);

/**
 * The replica, version and track last found to fit: every row of a process carries the same few,
 * and each row is checked twice (when recorded and when written), so these three regex tests are
 * skipped for a value just seen. Only values that passed are remembered.
 */
const fits = { replica: '', version: '', track: '' };

/** Why `r` does not fit reccom's columns (migrations 001-004), or null when it does. */
export function rowProblem(r: ProvenanceRow): string | null {
  if (!ASCII_ID.test(r.requestId)) return `request_id ${JSON.stringify(r.requestId.slice(0, 80))} is not 1-64 of A-Z a-z 0-9 . _ : -`;
  if (r.replica !== fits.replica) {
    if (!ASCII_ID.test(r.replica)) return `replica ${JSON.stringify(r.replica.slice(0, 80))} is not 1-64 of A-Z a-z 0-9 . _ : -`;
    fits.replica = r.replica;
  }
  if (r.version !== fits.version) {
    if (!MODEL_VERSION_PATTERN.test(r.version)) return `version_number ${JSON.stringify(r.version.slice(0, 80))} is not a model version name`;
    fits.version = r.version;
  }
  if (!Number.isSafeInteger(r.userId) || r.userId < 0) return `user_id ${r.userId} is not a non-negative integer`;
  if (!Number.isFinite(r.servedAt) || r.servedAt < 0 || r.servedAt >= MAX_DATETIME_MS) return `served_at ${r.servedAt} is not a DATETIME`;
  if (r.track !== fits.track) {
    if (!TRACK.test(r.track)) return `track ${JSON.stringify(r.track.slice(0, 80))} is not 1-16 lower-case letters`;
    fits.track = r.track;
  }
  if (!Number.isInteger(r.status) || r.status < 100 || r.status > 599) return `status ${r.status} is not an HTTP status`;
  if (!Number.isFinite(r.latencyMs)) return `latency_ms ${r.latencyMs} is not a number`;
  // Counting the bytes walks the whole text: only for a text long enough to possibly not fit.
  if (r.result.length > SURELY_FITS_TEXT && Buffer.byteLength(r.result) > TEXT_BYTES) return 'result is longer than a TEXT column holds';
  return null;
}

export const RECCOM_COLUMNS = ['request_id', 'replica', 'version_number', 'user_id', 'served_at', 'track', 'status', 'latency_ms', 'result'] as const;
const VALUES_PER_ROW = RECCOM_COLUMNS.length;
/** A statement takes at most 65,535 placeholders; 4096 rows x 9 values stay below. */
export const MAX_ROWS_PER_STATEMENT = 4096;

/** Row counts of the statements that write `n` rows: powers of two, largest first. */
export function statementSizes(n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`row count must be a non-negative integer, got ${n}`);
  const sizes: number[] = [];
  let left = n;
  while (left > 0) {
    let size = MAX_ROWS_PER_STATEMENT;
    while (size > left) size >>>= 1;
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

const sqlBySize = new Map<number, string>();

/** `INSERT INTO reccom (...) VALUES (?,...),(?,...)` for `rows` rows (memoised: one text per size). */
export function insertSql(rows: number): string {
  if (!Number.isInteger(rows) || rows < 1 || rows > MAX_ROWS_PER_STATEMENT) {
    throw new RangeError(`rows per statement must be an integer in 1..${MAX_ROWS_PER_STATEMENT}, got ${rows}`);
  }
  let sql = sqlBySize.get(rows);
  if (sql === undefined) {
    const tuple = `(${new Array<string>(VALUES_PER_ROW).fill('?').join(',')})`;
    sql = `INSERT IGNORE INTO reccom (${RECCOM_COLUMNS.join(', ')}) VALUES ${new Array<string>(rows).fill(tuple).join(',')}`;
    sqlBySize.set(rows, sql);
  }
  return sql;
}

/** The bound values of rows[from .. from+count), in RECCOM_COLUMNS order. */
export function insertParams(rows: readonly ProvenanceRow[], from: number, count: number): Array<string | number | Date> {
  const params = new Array<string | number | Date>(count * VALUES_PER_ROW);
  let j = 0;
  for (let i = from; i < from + count; i++) {
    const r = rows[i];
    params[j++] = r.requestId;
    params[j++] = r.replica;
    params[j++] = r.version;
    params[j++] = r.userId;
    params[j++] = new Date(r.servedAt);
    params[j++] = r.track;
    params[j++] = r.status;
    params[j++] = r.latencyMs;
    params[j++] = r.result;
  }
  return params;
}
