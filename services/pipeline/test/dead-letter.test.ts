// The dead-letter file: bounded entries (prefix + length + sha256) and size-based rotation.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendDeadLetters, readDeadLetters } from '../clean/dead-letter.ts';

const dirs: string[] = [];
const tmpFile = () => {
  const d = mkdtempSync(join(tmpdir(), 'marquee-dead-'));
  dirs.push(d);
  return join(d, 'dead-letter.log');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const entries = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('dead letters', () => {
  it('keeps the first 1,024 bytes of a 1 MB line, with its full length and sha256', () => {
    const path = tmpFile();
    const big = `garbage ${'x'.repeat(1024 * 1024 - 8)}`;
    appendDeadLetters(path, [{ reason: 'malformed', line: big }], undefined, '2026-12-02T00:00:00.000Z');
    expect(statSync(path).size).toBeLessThan(1_300);
    expect(entries(path)).toEqual([
      { at: '2026-12-02T00:00:00.000Z', reason: 'malformed', bytes: 1024 * 1024, sha256: sha256(big), truncated: true, line: big.slice(0, 1024) },
    ]);
  });

  it('keeps a short line whole, and cuts a long one at a character boundary', () => {
    const path = tmpFile();
    const euro = '€'.repeat(400); // 3 bytes a character: 1,024 bytes end inside the 342nd
    appendDeadLetters(path, [
      { reason: 'malformed', line: 'short line' },
      { reason: 'malformed', line: euro },
    ]);
    const [short, long] = entries(path);
    expect(short).toMatchObject({ bytes: 10, sha256: sha256('short line'), truncated: false, line: 'short line' });
    expect(long).toMatchObject({ bytes: 1200, sha256: sha256(euro), truncated: true, line: '€'.repeat(341) });
  });

  it('rotates at the size limit and keeps only the configured number of old files', () => {
    const path = tmpFile();
    const limits = { maxLineBytes: 100, maxFileBytes: 4096, keepFiles: 2 };
    for (let batch = 0; batch < 40; batch++) {
      appendDeadLetters(path, Array.from({ length: 10 }, (_, i) => ({ reason: 'malformed' as const, line: `bad line ${batch}-${i} ${'y'.repeat(200)}` })), limits);
    }
    const dir = join(path, '..');
    expect(readdirSync(dir).sort()).toEqual(['dead-letter.log', 'dead-letter.log.1', 'dead-letter.log.2']);
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(4096);
    expect(existsSync(`${path}.3`)).toBe(false);
    // the newest entries are in the current file, the one before in .1
    expect(entries(path).at(-1)?.line).toMatch(/^bad line 39-9 y+$/);
    const last1 = entries(`${path}.1`).at(-1)?.line as string;
    const first0 = entries(path)[0].line as string;
    const n = (l: string) => Number(/^bad line (\d+)-(\d+)/.exec(l)?.slice(1).join('.'));
    expect(n(last1)).toBeLessThan(n(first0));
  });

  it('reads every entry back, oldest file first, skipping a torn last line and naming a bad one', () => {
    const path = tmpFile();
    const limits = { maxLineBytes: 64, maxFileBytes: 4096, keepFiles: 3 };
    const lines = Array.from({ length: 60 }, (_, i) => `line ${i} ${'z'.repeat(100)}`);
    for (const line of lines) appendDeadLetters(path, [{ reason: 'malformed', line }], limits);
    expect(existsSync(`${path}.1`)).toBe(true);
    const read = readDeadLetters(path, limits.keepFiles);
    const kept = lines.slice(-read.length);
    expect(read.length).toBeGreaterThan(20);
    expect(read.map((e) => [e.truncated, e.bytes, e.line])).toEqual(kept.map((l) => [true, Buffer.byteLength(l), l.slice(0, 64)]));
    expect(read.map((e) => e.sha256)).toEqual(kept.map(sha256));

    appendFileSync(path, '{"at":"2026-12-02T00:00:00.000Z","reason":"malf'); // a writer killed mid-append
    expect(readDeadLetters(path, limits.keepFiles)).toHaveLength(read.length);
    appendFileSync(path, '\n{"at":"x"}\n');
    expect(() => readDeadLetters(path, limits.keepFiles)).toThrow(/dead-letter\.log:\d+: not a JSON dead-letter entry$/);
  });
});
