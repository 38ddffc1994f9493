// One line of NGINX's provenance log (deploy/config/nginx-conf.ts, renderProvenanceLog) as the
// reccom row it stands for. Pure: the shipper reads the lines, this says what each one means.
//
// Fields, tab-separated: request id, replica, model version, track (the X-Replica,
// X-Model-Version and X-Serving-Track headers of the answer NGINX passed on), $msec (when NGINX
// finished with the request), $status, $request_completion, and X-Provenance:
// `<userId> <latencyMs> <ids>`. NGINX writes bytes outside printable ASCII, `"` and `\` as \xXX.
import { PROVENANCE_HEADER } from '../../core/nginx-contract.ts';
import { rowProblem } from '../../core/provenance/insert.ts';
import { ABANDONED_STATUS, type ProvenanceRow } from '../../core/provenance/row.ts';

export const PROVENANCE_LOG_FIELDS = 8;

/** Undoes NGINX's log escaping (\xXX) of one field. */
export function unescapeNginx(s: string): string {
  if (!s.includes('\\x')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const hex = s[i] === '\\' && s[i + 1] === 'x' ? s.slice(i + 2, i + 4) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else bytes.push(...Buffer.from(s[i], 'latin1'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The row a line stands for, or why it is not one (a torn line, another format, a bad value). */
export function parseProvenanceLine(line: string): { row: ProvenanceRow } | { problem: string } {
  const f = line.split('\t');
  if (f.length !== PROVENANCE_LOG_FIELDS) return { problem: `${f.length} fields, not ${PROVENANCE_LOG_FIELDS}` };
  const [requestId, replica, version, track, msec, status, completion, header] = f.map(unescapeNginx);
  const m = /^(\d+) (\d+(?:\.\d+)?(?:e-?\d+)?) (.*)$/.exec(header);
  if (!m) return { problem: `${PROVENANCE_HEADER} is not "<userId> <latencyMs> <ids>"` };
  if (!/^\d+(\.\d+)?$/.test(msec)) return { problem: `time ${JSON.stringify(msec.slice(0, 40))} is not NGINX's $msec` };
  // The caller got the answer only if NGINX passed it on whole: status 200 and the request
  // complete. Anything else (the client went: 499, or mid-body) was abandoned.
  const delivered = status === '200' && completion === 'OK';
  const row: ProvenanceRow = {
    requestId,
    replica,
    version,
    userId: Number(m[1]),
    servedAt: Math.round(Number(msec) * 1000),
    track,
    status: delivered ? 200 : ABANDONED_STATUS,
    latencyMs: Number(m[2]),
    result: m[3],
  };
  const problem = rowProblem(row);
  return problem ? { problem } : { row };
}
