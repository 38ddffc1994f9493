// The INSERT statements that write provenance rows into `reccom` (schema:
// services/core/db/migrations/), as server-side prepared statements with one `?` per value.
//
// Why prepared: MariaDB spends about a third of a text INSERT's time lexing and parsing the literal
// values (and naming an Item for each); a prepared multi-row INSERT is parsed once per connection
// and each execution only binds binary values, so the server does less per row, and no value is ever
// escaped or spliced into SQL text. A statement is cached per row count, so the row counts used
// are kept to a small fixed set: powers of two up to MAX_ROWS_PER_STATEMENT (a batch of any other
// size is written as a few of them, e.g. 300 = 256 + 32 + 8 + 4).
import type { ProvenanceRow } from './recorder.ts';

export const RECCOM_COLUMNS = ['request_id', 'version_number', 'user_id', 'served_at', 'track', 'status', 'latency_ms', 'result'] as const;
const VALUES_PER_ROW = RECCOM_COLUMNS.length;
/** A statement takes at most 65,535 placeholders; 4096 rows x 8 values stay below. */
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
    sql = `INSERT INTO reccom (${RECCOM_COLUMNS.join(', ')}) VALUES ${new Array<string>(rows).fill(tuple).join(',')}`;
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
