// The ingest CLI in file mode: the summary, --json's last line, and exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'marquee-ingest-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const log = join(dir, 'in.log');
writeFileSync(
  log,
  [
    '2023-11-29T14:02:11,545850,GET /data/m/the+godfather+1972/17.mpg',
    '2023-11-29T14:05:40,545850,GET /rate/the+godfather+1972=5',
    '2023-11-29T14:06:02.097,637838,recommendation request team-4.example.edu:8082, status 200, result: a+1999, 56 ms',
    '2023-11-29T14:07,99,GET /create_account',
    'garbage',
  ].join('\n'),
);
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'services/pipeline/cli/ingest.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
const common = ['--data-dir', join(dir, 'data'), '--dead-letter', join(dir, 'dead.log')];

describe('ingest CLI', () => {
  it('prints counts by kind and by reason; with --json the last stdout line is the report', () => {
    const human = run(['--from-file', log, ...common]);
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/watch\s+1\n/);
    expect(human.stdout).toMatch(/rejected\s+2 \((unknown_request 1, malformed 1|malformed 1, unknown_request 1)\)/);

    const json = run(['--from-file', log, '--json', ...common]);
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout.trim().split('\n').at(-1) as string);
    expect(report).toMatchObject({ lines: 5, events: { watch: 1, rate: 1, recommendation: 1 }, rejected: { unknown_request: 1, malformed: 1 }, ratingsAdded: 0 });
    expect(readFileSync(join(dir, 'data', 'clean_rating.csv'), 'utf8')).toContain('545850,the+godfather+1972,5,2023-11-29T14:05:40');
  }, 60_000);

  it('exits 2 on bad usage or configuration, naming the problem', () => {
    const none = run(common);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/exactly one of --from-file FILE or --from-kafka/);
    expect(run(['--from-file', log, '--batch-size', '0', ...common]).status).toBe(2);
    const badEnv = run(['--from-file', log, ...common], { RATING_MAX: 'ten' });
    expect(badEnv.status).toBe(2);
    expect(badEnv.stderr).toMatch(/RATING_MAX/);
    const badBound = run(['--from-file', log, ...common], { PIPELINE_DEAD_LETTER_MAX_LINE_BYTES: '1kb' });
    expect(badBound.status).toBe(2);
    expect(badBound.stderr).toMatch(/PIPELINE_DEAD_LETTER_MAX_LINE_BYTES/);
  }, 60_000);

  it('exits 1 with the reason when the input is missing', () => {
    const missing = run(['--from-file', join(dir, 'nope.log'), ...common]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/ENOENT|no such file/);
  }, 60_000);
});
