// Human-readable and JSON renderings of provenance records. Pure: strings in, strings out.
import type { ProvenanceRecord } from './query.ts';

/** What a row's status says about the caller: 499 is an answer nobody received (see query.ts). */
export function deliveryNote(status: number): string {
  if (status === 200) return 'received by the caller';
  if (status === 499) return 'abandoned: the caller (NGINX) had given up on this replica; not what the caller got';
  return `status ${status}`;
}

const iso = (d: Date | null) => (d ? d.toISOString() : '-');
const short = (s: string | null, n = 8) => (s ? s.slice(0, n) : '-');

/** The served ids, abbreviated: `3 ids: 50,172,133` / `20 ids: 50,172,133,...`. */
export function summariseResult(result: string | null, shown = 3): string {
  if (result === null || result === '') return '-';
  const ids = result.split(',');
  const head = ids.slice(0, shown).join(',');
  return `${ids.length} id${ids.length === 1 ? '' : 's'}: ${head}${ids.length > shown ? ',...' : ''}`;
}

/** Left-aligned text table with a header rule; every cell is a string. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatUserTable(userId: number, records: ProvenanceRecord[], limit: number): string {
  const headers = ['served_at', 'request_id', 'replica', 'track', 'status', 'latency_ms', 'version', 'trained_on', 'data_creation', 'rmse', 'data_md5', 'model_md5', 'git', 'result'];
  const rows = records.map((r) => [
    iso(r.servedAt),
    r.requestId,
    r.replica || '-',
    r.track,
    String(r.status),
    r.latencyMs.toFixed(1),
    r.versionNumber,
    iso(r.trainedOn),
    iso(r.dataCreation),
    r.modelRmse === null ? '-' : r.modelRmse.toFixed(4),
    short(r.dataMd5),
    short(r.modelMd5),
    short(r.gitCommit),
    summariseResult(r.result),
  ]);
  const untracked = new Set(records.filter((r) => r.trainedOn === null).map((r) => r.versionNumber));
  const notes = untracked.size ? `\nno lineage recorded for version(s): ${[...untracked].join(', ')}` : '';
  const more = records.length === limit ? ` (newest ${limit}; --limit for more)` : '';
  return `provenance of user ${userId}: ${records.length} request(s)${more}\n\n${renderTable(headers, rows)}${notes}\n`;
}

/** One block per record with every field in full: for a single request. */
export function formatDetail(records: ProvenanceRecord[]): string {
  return (
    records
      .map((r) =>
        [
          `request ${r.requestId}`,
          `  user           ${r.userId}`,
          `  served_at      ${iso(r.servedAt)}`,
          `  replica        ${r.replica || '-'}`,
          `  track          ${r.track}`,
          `  status         ${r.status} (${deliveryNote(r.status)})`,
          `  latency_ms     ${r.latencyMs.toFixed(1)}`,
          `  model version  ${r.versionNumber}${r.trainedOn === null ? '  (no lineage recorded for this version)' : ''}`,
          `  trained_on     ${iso(r.trainedOn)}`,
          `  data_creation  ${iso(r.dataCreation)}`,
          `  model_rmse     ${r.modelRmse ?? '-'}`,
          `  data_md5       ${r.dataMd5 ?? '-'}`,
          `  model_md5      ${r.modelMd5 ?? '-'}`,
          `  git_commit     ${r.gitCommit ?? '-'}`,
          `  result         ${r.result ?? '-'}`,
        ].join('\n'),
      )
      .join('\n\n') + '\n'
  );
}

/** JSON with ISO-8601 UTC dates; field names as in ProvenanceRecord. */
export function formatJson(records: ProvenanceRecord[]): string {
  return JSON.stringify(records, null, 2) + '\n';
}
