import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../atomic-write.ts';
import { md5, md5File } from '../hash.ts';

describe('md5', () => {
  it('matches the known digest of a string and of the same file', async () => {
    expect(md5('marquee')).toBe('90bec61be5ffe907d8a66f2484f95ba0');
    expect(md5('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    const dir = mkdtempSync(join(tmpdir(), 'md5-'));
    writeFileSync(join(dir, 'f'), 'hello\n');
    expect(await md5File(join(dir, 'f'))).toBe('b1946ac92492d2347c6235b4d2611184');
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temp file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'nested', 'data.csv');
    writeFileAtomic(path, 'a\n');
    writeFileAtomic(path, 'b\n');
    expect(readFileSync(path, 'utf8')).toBe('b\n');
    expect(readdirSync(join(dir, 'nested'))).toEqual(['data.csv']);
  });
});
