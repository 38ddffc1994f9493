// `npm run pipeline -- --once --from-file ... --json` as a process: exit codes, JSON summary,
// dead letters, log file.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../core/testing/mysql.ts';
import { readDeadLetters } from '../clean/dead-letter.ts';
import type { RunSummary } from '../run/summary.ts';
import { createWorkspace, git, logLinesFor, MALFORMED_LINES, pipelineEnv, REPO_ROOT, seedRatings, type Workspace } from './run-fixtures.ts';


function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SMTP_|ALERT_|SLACK_|PIPELINE_|DVC_|GATE_|TRAIN_|MYSQL_|KAFKA_|INGEST_)/.test(k)));
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'pipeline', '--', ...args], { cwd: REPO_ROOT, env: { ...clean, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A 1 MiB garbage line: its dead letter must stay small. */
const HUGE_LINE = `garbage ${'x'.repeat((1 << 20) - 8)}`;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let ws: Workspace;
let env: Record<string, string>;
let linesFile: string;

beforeAll(async () => {
  db = await createTestDatabase('marquee_cli');
  ws = createWorkspace('marquee-cli-');
  env = pipelineEnv(ws, db.settings, { PIPELINE_DEAD_LETTER_MAX_LINE_BYTES: '512' });
  const lines = logLinesFor(seedRatings(2500));
  for (let i = 0; i < MALFORMED_LINES.length; i++) lines.splice(300 * (i + 1), 0, MALFORMED_LINES[i]);
  lines.push(HUGE_LINE);
  linesFile = join(ws.root, 'lines.log');
  writeFileSync(linesFile, `${lines.join('\n')}\n`);
});
afterAll(async () => {
  await db?.drop();
  if (ws) rmSync(ws.root, { recursive: true, force: true });
});

describe('pipeline CLI', () => {
  it('runs once from a file with malformed lines: counted, dead-lettered, versioned; JSON on stdout, logs on stderr and in the log file', async () => {
    const { code, stdout, stderr } = await runCli(['--once', '--from-file', linesFile, '--json'], env);
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout) as RunSummary;
    expect(summary).toMatchObject({ status: 'published', version: 1 });
    expect(summary.ingest?.rejected).toBe(MALFORMED_LINES.length + 1);
    expect(summary.ingest?.rejectedByReason).toEqual({ bad_timestamp: 2, bad_user: 3, bad_rating: 1, malformed: 1, too_long: 1 });
    expect(summary.timings.map((t) => t.step)).toEqual(['prepare', 'collect', 'train', 'gate', 'version', 'publish', 'track']);

    // Dead letters hold at most PIPELINE_DEAD_LETTER_MAX_LINE_BYTES of a line, its length and hash.
    const dead = readDeadLetters(ws.deadLetter);
    expect(dead.map((d) => d.line)).toEqual([...MALFORMED_LINES, HUGE_LINE.slice(0, 512)]);
    expect(dead.at(-1)).toMatchObject({ reason: 'too_long', bytes: HUGE_LINE.length, sha256: createHash('sha256').update(HUGE_LINE).digest('hex'), truncated: true });
    expect(statSync(ws.deadLetter).size).toBeLessThan(4096);
    expect(stderr).toMatch(/pipeline\.collect WARN lines rejected count=8/);
    expect(stderr).toMatch(/pipeline\.notify INFO email notifications off \(SMTP_HOST unset\)/);
    expect(readFileSync(ws.logFile, 'utf8')).toContain('run finished status=published version=1');
    expect(git(ws.remote, 'log', '-1', '--format=%s', 'main')).toBe('Data and Model version update: [1]');
  });

  it('exits 3 when the gate stops the run, leaving version 1 in place', async () => {
    const { code, stdout } = await runCli(['--once', '--from-file', linesFile, '--json'], { ...env, GATE_RMSE: '0.05' });
    expect(code).toBe(3);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'gate-failed', version: 2, threshold: 0.05 });
    expect(readFileSync(join(ws.workdir, 'data/version.txt'), 'utf8')).toBe('1\n');
  });

  it('exits 1 and versions nothing when clean_rating.csv shrank against version 1', async () => {
    const csv = join(ws.workdir, 'data/clean_rating.csv');
    const whole = readFileSync(csv, 'utf8');
    const lines = whole.split('\n');
    const rows = lines.length - 2;
    writeFileSync(csv, `${lines.slice(0, 1 + Math.floor(rows / 2)).join('\n')}\n`);
    try {
      const { code, stdout, stderr } = await runCli(['--once', '--from-file', linesFile, '--json'], env);
      expect(code, stderr).toBe(1);
      expect(JSON.parse(stdout)).toMatchObject({ status: 'failed', failedStep: 'collect', version: 2, rolledBack: true });
      expect(stderr).toContain(`shrank: ${Math.floor(rows / 2)} valid rows, the last version had ${rows}`);
      expect(readFileSync(join(ws.workdir, 'data/version.txt'), 'utf8')).toBe('1\n');
      expect(git(ws.remote, 'log', '-1', '--format=%s', 'main')).toBe('Data and Model version update: [1]');
    } finally {
      writeFileSync(csv, whole);
    }
  });

  it('exits 2 with a readable message on bad usage or configuration', async () => {
    const noOnce = await runCli([], env);
    expect(noOnce.code).toBe(2);
    expect(noOnce.stderr).toMatch(/--once is required/);

    const missing = await runCli(['--once', '--from-file', join(ws.root, 'nope.log')], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.log: no such file/);

    const badEnv = { ...env, GATE_RMSE: 'abc', SMTP_HOST: 'smtp', SMTP_PASSWORD: 'hunter2-secret' };
    delete (badEnv as Record<string, string | undefined>).DVC_REMOTE;
    const bad = await runCli(['--once'], badEnv);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/pipeline: invalid configuration:/);
    expect(bad.stderr).toMatch(/DVC_REMOTE: required/);
    expect(bad.stderr).toMatch(/GATE_RMSE/);
    expect(bad.stderr).not.toContain('hunter2-secret');
  });
});
