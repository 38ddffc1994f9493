import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendDurably } from '../clean/durable-append.ts';

const dir = mkdtempSync(join(tmpdir(), 'durable-append-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('appendDurably', () => {
  it('appends whole lines, creating the file and its folder', () => {
    const path = join(dir, 'a', 'log.jsonl');
    appendDurably(path, '{"n":1}\n');
    appendDurably(path, '{"n":2}\n');
    appendDurably(path, '');
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
  });

  it('cuts off a torn last line (a process killed mid-append) before appending', () => {
    const path = join(dir, 'torn.jsonl');
    writeFileSync(path, '{"n":1}\n{"n":2}\n{"n":3,"li');
    appendDurably(path, '{"n":3}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  it('cuts a file that is one torn line, also past a read chunk', () => {
    const path = join(dir, 'only-torn.jsonl');
    writeFileSync(path, `{"line":"${'x'.repeat(200_000)}`);
    appendDurably(path, 'ok\n');
    expect(readFileSync(path, 'utf8')).toBe('ok\n');
    writeFileSync(path, `first\n${'y'.repeat(150_000)}`);
    appendDurably(path, 'second\n');
    expect(readFileSync(path, 'utf8')).toBe('first\nsecond\n');
  });
});
