import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileSource } from '../sources/file.ts';
import type { LineSource } from '../types.ts';

const dir = mkdtempSync(join(tmpdir(), 'marquee-filesrc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(source: LineSource): Promise<string[][]> {
  const out: string[][] = [];
  for await (const b of source.batches()) {
    out.push(b.lines);
    await b.commit();
  }
  return out;
}

describe('createFileSource', () => {
  it('yields every line once, in order, in batches of batchSize', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i}`);
    const path = join(dir, 'a.log');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const batches = await collect(createFileSource(path, { batchSize: 10 }));
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches.flat()).toEqual(lines);
  });

  it('keeps a last line without newline, keeps empty lines and leaves \\r to the parser', async () => {
    const path = join(dir, 'b.log');
    writeFileSync(path, 'one\r\n\nthree');
    expect((await collect(createFileSource(path))).flat()).toEqual(['one\r', '', 'three']);
  });

  it('reads lines split across read chunks (large file)', async () => {
    const lines = Array.from({ length: 60_000 }, (_, i) => `2023-11-29T14:02:11,${i + 1},GET /data/m/movie+${i % 97}/${i % 50}.mpg`);
    const path = join(dir, 'c.log');
    writeFileSync(path, `${lines.join('\n')}\n`); // ~3.5 MB: several 1 MiB chunks
    const got = (await collect(createFileSource(path, { batchSize: 7_000 }))).flat();
    expect(got.length).toBe(lines.length);
    expect(got).toEqual(lines);
  });

  it('yields nothing for an empty file', async () => {
    const path = join(dir, 'empty.log');
    writeFileSync(path, '');
    expect(await collect(createFileSource(path))).toEqual([]);
  });

  it('stops after the batch in hand once closed', async () => {
    const path = join(dir, 'd.log');
    writeFileSync(path, Array.from({ length: 30 }, (_, i) => `l${i}`).join('\n'));
    const source = createFileSource(path, { batchSize: 10 });
    const seen: number[] = [];
    for await (const b of source.batches()) {
      seen.push(b.lines.length);
      await source.close();
    }
    expect(seen).toEqual([10]);
  });

  it('fails clearly on a missing file and on a bad batch size', async () => {
    await expect(collect(createFileSource(join(dir, 'missing.log')))).rejects.toThrow(/ENOENT/);
    expect(() => createFileSource('x', { batchSize: 0 })).toThrow(/batchSize/);
  });
});
