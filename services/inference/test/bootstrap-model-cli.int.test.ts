// bootstrap-model.ts as the process start.sh and the container's init run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '../../..');

describe('bootstrap-model CLI', () => {
  it('works from any working directory: MODEL_PATH and SAMPLE_RATINGS relative to the repo root; a no-op when the model exists', () => {
    const models = mkdtempSync(join(tmpdir(), 'bootstrap-cli-'));
    const model = join(models, 'm');
    mkdirSync(model);
    writeFileSync(join(model, 'manifest.json'), '{}');
    const out = execFileSync(join(REPO, 'node_modules/.bin/tsx'), [join(REPO, 'services/inference/bootstrap-model.ts')], {
      cwd: tmpdir(),
      env: { ...process.env, MODEL_PATH: model },
      encoding: 'utf8',
    });
    expect(out).toMatch(/model present at/);
    expect(readdirSync(model)).toEqual(['manifest.json']);
    // A missing sample is reported with its path resolved against the repo root, not the cwd.
    let message = '';
    try {
      execFileSync(join(REPO, 'node_modules/.bin/tsx'), [join(REPO, 'services/inference/bootstrap-model.ts')], {
        cwd: tmpdir(),
        env: { ...process.env, MODEL_PATH: join(models, 'new'), SAMPLE_RATINGS: 'data/sample/nope.csv' },
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (err) {
      message = String((err as { stderr: string }).stderr);
    }
    expect(message).toContain(`no sample ratings at ${join(REPO, 'data/sample/nope.csv')}`);
    expect(existsSync(join(models, 'new'))).toBe(false);
  });
});
