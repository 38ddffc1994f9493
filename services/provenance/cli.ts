// `npm run provenance -- --user <id> [--limit N] [--json]` or `--request <id> [--json]`:
// which model version, data and code served a user's requests (or one request).
// Exit codes: 0 found, 1 nothing found, 2 bad arguments or configuration, 3 database error.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, UsageError } from '../core/args.ts';
import { runCli } from '../core/cli.ts';
import { MarqueeError } from '../core/errors.ts';
import { createPool, mysqlSettingsFromEnv } from '../core/db/connection.ts';
import { formatDetail, formatJson, formatUserTable } from './format.ts';
import { MAX_LIMIT, queryProvenance, type ProvenanceQuery } from './query.ts';

export const USAGE = `usage: npm run provenance -- --user <id> [--limit N] [--json]
       npm run provenance -- --request <request-id> [--json]
MySQL from MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD, MYSQL_DATABASE.`;

export interface CliRequest {
  query: ProvenanceQuery;
  json: boolean;
}

export function parseCliArgs(argv: string[]): CliRequest {
  const a = parseArgs(argv, { user: 'string', request: 'string', limit: 'string', json: 'boolean' });
  if ((a.user === undefined) === (a.request === undefined)) throw new UsageError('give exactly one of --user or --request');
  const limitText = String(a.limit ?? (a.user !== undefined ? '20' : '100'));
  if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_LIMIT) {
    throw new UsageError(`--limit must be an integer in 1..${MAX_LIMIT}, got '${limitText}'`);
  }
  const limit = Number(limitText);
  const json = a.json === true;
  if (a.user !== undefined) {
    const text = String(a.user);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1) {
      throw new UsageError(`--user must be a positive integer user id, got '${text}'`);
    }
    return { query: { kind: 'user', userId: Number(text), limit }, json };
  }
  const requestId = String(a.request).trim();
  if (!requestId || requestId.length > 64) throw new UsageError('--request must be a request id of 1..64 characters');
  return { query: { kind: 'request', requestId, limit }, json };
}

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const req = parseCliArgs(argv);
  const settings = mysqlSettingsFromEnv(env);

  const pool = createPool(settings, 1);
  let records;
  try {
    records = await queryProvenance(pool, req.query);
  } catch (err) {
    const where = `${settings.user}@${settings.host}:${settings.port}/${settings.database}`;
    throw new MarqueeError('DATABASE', `query failed on MySQL ${where}: ${(err as Error).message}`, { cause: err });
  } finally {
    await pool.end().catch(() => {});
  }

  const q = req.query;
  if (records.length === 0) {
    const what = q.kind === 'user' ? `user ${q.userId}` : `request ${q.requestId}`;
    process.stderr.write(`provenance: no served requests recorded for ${what} in ${settings.database}\n`);
    return 1;
  }
  if (req.json) process.stdout.write(formatJson(records));
  else if (q.kind === 'user') process.stdout.write(formatUserTable(q.userId, records, q.limit));
  else process.stdout.write(formatDetail(records));
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) runCli('provenance', USAGE, (argv) => main(argv));
