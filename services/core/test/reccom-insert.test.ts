import { describe, expect, it } from 'vitest';
import type { ProvenanceRow } from '../../inference/provenance/recorder.ts';
import { insertParams, insertSql, MAX_ROWS_PER_STATEMENT, RECCOM_COLUMNS, rowProblem, statementSizes } from '../provenance/insert.ts';

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
      'INSERT IGNORE INTO reccom (request_id, replica, version_number, user_id, served_at, track, status, latency_ms, result) VALUES ' +
        '(?,?,?,?,?,?,?,?,?),(?,?,?,?,?,?,?,?,?),(?,?,?,?,?,?,?,?,?)',
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
    replica: 'r-1',
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
      "r'2\\", 'r-1', 'v1', 2, new Date(Date.UTC(2026, 10, 27, 3, 4, 5, 2)), 'canary', 200, 0.5, '2,2,3',
      "r'3\\", 'r-1', 'v1', 3, new Date(Date.UTC(2026, 10, 27, 3, 4, 5, 3)), 'canary', 200, 0.75, '3,2,3',
    ]);
    expect(insertParams(rows, 0, 3)).toHaveLength(3 * RECCOM_COLUMNS.length);
  });
});

describe('rowProblem', () => {
  const ok: ProvenanceRow = {
    requestId: '1764633000.123-0011223344556677',
    replica: 'stable-1',
    version: '12',
    userId: 7,
    servedAt: Date.UTC(2026, 11, 2),
    track: 'stable',
    status: 200,
    latencyMs: 1.5,
    result: '1,2,3',
  };

  it('accepts a row as the app makes it, and an abandoned one', () => {
    expect(rowProblem(ok)).toBeNull();
    expect(rowProblem({ ...ok, status: 499 })).toBeNull();
  });

  it('names the column a row would not fit (INSERT IGNORE would cut it silently)', () => {
    expect(rowProblem({ ...ok, requestId: 'x'.repeat(65) })).toMatch(/^request_id /);
    expect(rowProblem({ ...ok, replica: 'a b' })).toMatch(/^replica /);
    expect(rowProblem({ ...ok, version: 'naïve' })).toMatch(/^version_number /);
    expect(rowProblem({ ...ok, userId: -1 })).toMatch(/^user_id /);
    expect(rowProblem({ ...ok, servedAt: Date.UTC(10000, 0, 1) })).toMatch(/^served_at /);
    expect(rowProblem({ ...ok, track: 'Canary!' })).toMatch(/^track /);
    expect(rowProblem({ ...ok, status: 1000 })).toMatch(/^status /);
    expect(rowProblem({ ...ok, latencyMs: Number.NaN })).toMatch(/^latency_ms /);
    expect(rowProblem({ ...ok, result: 'é'.repeat(40_000) })).toMatch(/^result /);
  });

  it('still refuses a bad replica, version or track right after a good one (the last good values are remembered)', () => {
    for (let i = 0; i < 3; i++) {
      expect(rowProblem(ok)).toBeNull();
      expect(rowProblem({ ...ok, replica: 'a b' })).toMatch(/^replica /);
      expect(rowProblem({ ...ok, version: 'naïve' })).toMatch(/^version_number /);
      expect(rowProblem({ ...ok, track: 'Canary!' })).toMatch(/^track /);
    }
    expect(rowProblem({ ...ok, replica: 'stable-2', version: '13', track: 'canary' })).toBeNull();
    expect(rowProblem(ok)).toBeNull();
  });

  it('counts the bytes of a result only where they could pass 65,535: at the edge, exactly', () => {
    expect(rowProblem({ ...ok, result: 'x'.repeat(65_535) })).toBeNull();
    expect(rowProblem({ ...ok, result: 'x'.repeat(65_536) })).toMatch(/^result /);
    expect(rowProblem({ ...ok, result: '東'.repeat(21_845) })).toBeNull(); // 65,535 bytes
    expect(rowProblem({ ...ok, result: `${'東'.repeat(21_845)}x` })).toMatch(/^result /);
    expect(rowProblem({ ...ok, result: '🎬'.repeat(16_383) })).toBeNull(); // 65,532 bytes in 32,766 code units
    expect(rowProblem({ ...ok, result: '🎬'.repeat(16_384) })).toMatch(/^result /);
  });
});
