// The spool's line format (spool-line.ts): every row round-trips exactly, whatever its text holds;
// anything else is refused; lines of the earlier JSON format still read.
import { describe, expect, it } from 'vitest';
import type { ProvenanceRow } from '../../core/provenance/row.ts';
import { decodeJsonRow, decodeRow, encodeRow } from '../provenance/spool-line.ts';

const row: ProvenanceRow = {
  requestId: '1764633000.123-0011223344556677',
  replica: 'stable-1-40001',
  version: '12',
  userId: 610,
  servedAt: Date.UTC(2026, 11, 2, 7, 8, 9, 123),
  track: 'canary',
  status: 200,
  latencyMs: 0.1 + 0.2,
  result: '356,318,296,593,2571',
};
const line = (r: ProvenanceRow) => {
  const text = encodeRow(r);
  expect(text.endsWith('\n')).toBe(true);
  expect(text.slice(0, -1)).not.toContain('\n');
  return text.slice(0, -1);
};

describe('spool lines', () => {
  it('is the nine fields in column order, tab-separated', () => {
    expect(encodeRow(row)).toBe('1764633000.123-0011223344556677\tstable-1-40001\t12\t610\t1796195289123\tcanary\t200\t0.30000000000000004\t356,318,296,593,2571\n');
    expect(decodeRow(line(row))).toEqual(row);
  });

  it('round-trips text with tabs, newlines, backslashes and non-ASCII, and every number exactly', () => {
    const awkward = ['a\tb', 'a\nb', 'a\\b', '\\t', '\\', 'ends\\', '\t\n\\n', 'naïve 東京 🎬', '"quoted",[1]', ''];
    for (const text of awkward) {
      for (const field of ['requestId', 'replica', 'version', 'track', 'result'] as const) {
        const r = { ...row, [field]: text };
        expect(decodeRow(line(r))).toEqual(r);
      }
    }
    for (const latencyMs of [0, 1e-9, 123.456789012345, 5e-324, 1.7976931348623157e308, -0.5]) {
      expect(decodeRow(line({ ...row, latencyMs }))).toEqual({ ...row, latencyMs });
    }
    expect(decodeRow(line({ ...row, status: 499, userId: 0 }))).toEqual({ ...row, status: 499, userId: 0 });
  });

  it('refuses lines that are not rows', () => {
    const ok = line(row);
    const fields = ok.split('\t');
    const bad = [
      '',
      'junk',
      fields.slice(0, 8).join('\t'), // a field short
      `${ok}\textra`,
      fields.map((f, i) => (i === 3 ? 'x' : f)).join('\t'), // user id not a number
      fields.map((f, i) => (i === 4 ? '' : f)).join('\t'), // served_at empty
      fields.map((f, i) => (i === 7 ? 'NaN' : f)).join('\t'),
      fields.map((f, i) => (i === 6 ? ' 200' : f)).join('\t'),
      fields.map((f, i) => (i === 8 ? 'a\\qb' : f)).join('\t'), // an escape this format never makes
      fields.map((f, i) => (i === 0 ? 'trailing\\' : f)).join('\t'),
    ];
    for (const l of bad) expect(decodeRow(l)).toBeNull();
  });

  it('reads a line of the earlier format (a JSON array), as spools of the previous version hold', () => {
    const json = JSON.stringify([row.requestId, row.replica, row.version, row.userId, row.servedAt, row.track, row.status, row.latencyMs, row.result]);
    expect(decodeRow(json)).toEqual(row);
    expect(decodeJsonRow(json)).toEqual(row);
    for (const bad of ['[', '[]', '["a"]', JSON.stringify(['a', 'b', 'c', 'x', 1, 't', 200, 1, 'r'])]) expect(decodeRow(bad)).toBeNull();
  });
});
