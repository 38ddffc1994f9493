import { describe, expect, it } from 'vitest';
import type { ProvenanceRow } from '../provenance/recorder.ts';
import { insertParams, insertSql, MAX_ROWS_PER_STATEMENT, RECCOM_COLUMNS, statementSizes } from '../provenance/insert.ts';

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;

describe('statementSizes', () => {
  it('is one statement for a power of two up to the maximum', () => {
    for (const n of [1, 2, 64, 1024, MAX_ROWS_PER_STATEMENT]) expect(statementSizes(n)).toEqual([n]);
  });

  it('splits any other count into powers of two, largest first, that add up to it', () => {
    expect(statementSizes(0)).toEqual([]);
    expect(statementSizes(300)).toEqual([256, 32, 8, 4]);
    expect(statementSizes(500)).toEqual([256, 128, 64, 32, 16, 4]);
    expect(statementSizes(MAX_ROWS_PER_STATEMENT * 2 + 3)).toEqual([MAX_ROWS_PER_STATEMENT, MAX_ROWS_PER_STATEMENT, 2, 1]);
    for (let n = 1; n <= 3000; n += 7) {
      const sizes = statementSizes(n);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
      expect(sizes.every(isPowerOfTwo)).toBe(true);
      expect(sizes.every((s, i) => i === 0 || s <= sizes[i - 1])).toBe(true);
    }
  });

  it('refuses a negative or fractional count', () => {
    expect(() => statementSizes(-1)).toThrow(/non-negative integer/);
    expect(() => statementSizes(1.5)).toThrow(/non-negative integer/);
  });
});

describe('insertSql', () => {
  it('has one tuple of placeholders per row and names every column', () => {
    const sql = insertSql(3);
    expect(sql).toBe(
      'INSERT INTO reccom (request_id, version_number, user_id, served_at, track, status, latency_ms, result) VALUES ' +
        '(?,?,?,?,?,?,?,?),(?,?,?,?,?,?,?,?),(?,?,?,?,?,?,?,?)',
    );
    expect(insertSql(MAX_ROWS_PER_STATEMENT).match(/\?/g)).toHaveLength(MAX_ROWS_PER_STATEMENT * RECCOM_COLUMNS.length);
    // MySQL's limit on placeholders per statement.
    expect(MAX_ROWS_PER_STATEMENT * RECCOM_COLUMNS.length).toBeLessThanOrEqual(65_535);
  });

  it('returns the same text for the same size (one prepared statement per size)', () => {
    expect(insertSql(256)).toBe(insertSql(256));
  });

  it('refuses sizes outside 1..MAX_ROWS_PER_STATEMENT', () => {
    expect(() => insertSql(0)).toThrow(/rows per statement/);
    expect(() => insertSql(MAX_ROWS_PER_STATEMENT + 1)).toThrow(/rows per statement/);
  });
});

describe('insertParams', () => {
  const row = (n: number): ProvenanceRow => ({
    requestId: `r'${n}\\`,
    version: 'v1',
    userId: n,
    servedAt: Date.UTC(2026, 10, 27, 3, 4, 5, n),
    track: 'canary',
    status: 200,
    latencyMs: 0.25 * n,
    result: `${n},2,3`,
  });

  it('gives the values of the chosen rows in column order, unchanged (no escaping: they are bound)', () => {
    const rows = [row(1), row(2), row(3)];
    expect(insertParams(rows, 1, 2)).toEqual([
      "r'2\\", 'v1', 2, new Date(Date.UTC(2026, 10, 27, 3, 4, 5, 2)), 'canary', 200, 0.5, '2,2,3',
      "r'3\\", 'v1', 3, new Date(Date.UTC(2026, 10, 27, 3, 4, 5, 3)), 'canary', 200, 0.75, '3,2,3',
    ]);
    expect(insertParams(rows, 0, 3)).toHaveLength(3 * RECCOM_COLUMNS.length);
  });
});
