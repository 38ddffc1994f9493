import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildInputsHash } from '../build-inputs.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'build-inputs-'));
  dirs.push(root);
  for (const f of ['Dockerfile', 'package.json', 'package-lock.json', 'tsconfig.json']) writeFileSync(join(root, f), `${f}\n`);
  mkdirSync(join(root, 'services/core/test'), { recursive: true });
  writeFileSync(join(root, 'services/core/a.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'services/core/test/a.test.ts'), 'test\n');
  mkdirSync(join(root, 'data/sample'), { recursive: true });
  writeFileSync(join(root, 'data/sample/ratings.csv'), 'user_id,movie_id,rating,timestamp\n');
  return root;
}

describe('buildInputsHash', () => {
  it('is the same for the same inputs in another folder, and changes with what the image copies', () => {
    const a = tree();
    const b = mkdtempSync(join(tmpdir(), 'build-inputs-copy-'));
    dirs.push(b);
    cpSync(a, b, { recursive: true });
    expect(buildInputsHash(b)).toBe(buildInputsHash(a));
    expect(buildInputsHash(a)).toMatch(/^[0-9a-f]{16}$/);
    writeFileSync(join(b, 'services/core/a.ts'), 'export const a = 2;\n');
    expect(buildInputsHash(b)).not.toBe(buildInputsHash(a));
  });

  it('ignores what the image does not get: tests, docs, models', () => {
    const a = tree();
    const before = buildInputsHash(a);
    writeFileSync(join(a, 'services/core/test/a.test.ts'), 'changed\n');
    mkdirSync(join(a, 'models/1'), { recursive: true });
    writeFileSync(join(a, 'models/1/model.bin'), 'x');
    writeFileSync(join(a, 'README.md'), 'x');
    expect(buildInputsHash(a)).toBe(before);
    writeFileSync(join(a, 'data/sample/ratings.csv'), 'other\n');
    expect(buildInputsHash(a)).not.toBe(before);
  });
});
