// Pure parts of provenance: the SQL, row parsing, argument parsing and the renderings.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/args.ts';
import { parseCliArgs } from '../cli.ts';
import { formatDetail, formatJson, formatUserTable, renderTable, summariseResult } from '../format.ts';
import { parseRows, provenanceSql, type ProvenanceRecord } from '../query.ts';

describe('provenanceSql', () => {
  it('selects every provenance column with a plain equality join on the shared version type', () => {
    const { sql, params } = provenanceSql({ kind: 'user', userId: 42, limit: 20 });
    for (const col of ['reccom.version_number', 'reccom.user_id', 'tracking.data_creation', 'tracking.trained_on', 'tracking.model_rmse', 'tracking.data_md5', 'tracking.model_md5', 'tracking.git_commit', 'reccom.request_id', 'reccom.replica', 'reccom.served_at', 'reccom.track', 'reccom.status', 'reccom.latency_ms', 'reccom.result']) {
      expect(sql).toContain(col);
    }
    expect(sql).toMatch(/LEFT JOIN tracking\s+ON reccom\.version_number = tracking\.version_number$/m);
    // Both columns have one type (migration 003), so nothing is converted per row.
    expect(sql).not.toMatch(/CAST|COLLATE|CONVERT/i);
    expect(sql).toMatch(/WHERE reccom\.user_id = \?/);
    expect(sql).toMatch(/ORDER BY reccom\.served_at DESC, reccom\.id DESC\s+LIMIT \?$/);
    expect(params).toEqual([42, 20]);
  });

  it('filters by request id through a placeholder, never by splicing', () => {
    const { sql, params } = provenanceSql({ kind: 'request', requestId: "x' OR 1=1 --", limit: 5 });
    expect(sql).toMatch(/WHERE reccom\.request_id = \?/);
    // The answer the caller got (200) before attempts NGINX abandoned (499).
    expect(sql).toMatch(/ORDER BY \(reccom\.status = 200\) DESC, reccom\.served_at DESC, reccom\.id DESC\s+LIMIT \?$/);
    expect(sql).not.toContain('OR 1=1');
    expect(params).toEqual(["x' OR 1=1 --", 5]);
  });

  it('rejects a limit outside 1..10000', () => {
    expect(() => provenanceSql({ kind: 'user', userId: 1, limit: 0 })).toThrow(/limit/);
    expect(() => provenanceSql({ kind: 'user', userId: 1, limit: 10_001 })).toThrow(/limit/);
  });
});

const row = {
  version_number: '3',
  user_id: 42,
  data_creation: new Date('2026-11-01T10:00:00Z'),
  trained_on: new Date('2026-11-01T10:05:00Z'),
  model_rmse: 0.9,
  data_md5: 'a'.repeat(32),
  model_md5: 'b'.repeat(32),
  git_commit: 'abcdef1234',
  request_id: 'req-1',
  replica: 'stable-1',
  served_at: new Date('2026-11-05T08:00:00Z'),
  track: 'canary',
  status: 200,
  latency_ms: 7.25,
  result: '1,2,3,4',
};

describe('parseRows', () => {
  it('maps driver rows to records, keeping missing lineage as null', () => {
    const [withLineage, without] = parseRows([
      row,
      { ...row, version_number: 'sample', data_creation: null, trained_on: null, model_rmse: null, data_md5: null, model_md5: null, git_commit: null },
    ]);
    expect(withLineage).toMatchObject({ requestId: 'req-1', versionNumber: '3', modelRmse: 0.9, track: 'canary', latencyMs: 7.25 });
    expect(without).toMatchObject({ versionNumber: 'sample', modelRmse: null, trainedOn: null, gitCommit: null });
  });

  it('names the column when a row does not fit', () => {
    expect(() => parseRows([{ ...row, served_at: 'yesterday' }])).toThrow(/row 0: column served_at/);
  });
});

describe('parseCliArgs', () => {
  it('reads --user with a default limit of 20, and --request', () => {
    expect(parseCliArgs(['--user', '42'])).toEqual({ query: { kind: 'user', userId: 42, limit: 20 }, json: false });
    expect(parseCliArgs(['--user=7', '--limit', '5', '--json'])).toEqual({ query: { kind: 'user', userId: 7, limit: 5 }, json: true });
    expect(parseCliArgs(['--request', 'abc'])).toMatchObject({ query: { kind: 'request', requestId: 'abc' } });
  });

  it('refuses missing, doubled and malformed arguments', () => {
    for (const argv of [[], ['--user', '1', '--request', 'x'], ['--user', '0'], ['--user', '-3'], ['--user', '1.5'], ['--user', '1', '--limit', '0'], ['--user', '1', '--limit', 'many'], ['--request', ' '], ['--usr', '1']]) {
      expect(() => parseCliArgs(argv), argv.join(' ')).toThrow(UsageError);
    }
  });
});

const record: ProvenanceRecord = parseRows([row])[0];

describe('renderings', () => {
  it('summarises the served ids', () => {
    expect(summariseResult('1,2,3,4')).toBe('4 ids: 1,2,3,...');
    expect(summariseResult('9')).toBe('1 id: 9');
    expect(summariseResult(null)).toBe('-');
  });

  it('aligns table columns', () => {
    expect(renderTable(['a', 'bb'], [['xxx', 'y'], ['z', '']])).toBe('a    bb\n---  --\nxxx  y\nz');
  });

  it('lists a user\'s requests with abbreviated hashes and flags a version with no lineage', () => {
    const text = formatUserTable(42, [record, { ...record, requestId: 'req-2', versionNumber: 'sample', trainedOn: null }], 2);
    expect(text).toMatch(/^provenance of user 42: 2 request\(s\) \(newest 2; --limit for more\)/);
    expect(text).toMatch(/req-1\s+stable-1\s+canary\s+200\s+7\.3\s+3\s+2026-11-01T10:05:00\.000Z\s+2026-11-01T10:00:00\.000Z\s+0\.9000\s+aaaaaaaa\s+bbbbbbbb\s+abcdef12\s+4 ids: 1,2,3,\.\.\./);
    expect(text).toContain('no lineage recorded for version(s): sample');
  });

  it('shows every field of a request in full, and JSON with ISO dates', () => {
    const detail = formatDetail([record]);
    expect(detail).toContain('request req-1');
    expect(detail).toMatch(/model_md5\s+b{32}/);
    expect(detail).toMatch(/result\s+1,2,3,4/);
    const json = JSON.parse(formatJson([record])) as Array<Record<string, unknown>>;
    expect(json[0]).toMatchObject({ requestId: 'req-1', servedAt: '2026-11-05T08:00:00.000Z', modelRmse: 0.9 });
  });
});
