// The served model the relative gate compares with: found in models/<N>, else restored from its
// .dvc pointers (local DVC cache, then the remote), else the run fails.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { md5 } from '../../core/hash.ts';
import { silentLogger } from '../../core/logger.ts';
import { servedModel } from '../run/served-model.ts';
import { formatDvcFile, objectRelPath } from '../version/dvc-file.ts';
import { cacheDir } from '../version/dvc-store.ts';
import { workdirLayout } from '../version/layout.ts';

function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'served-'));
  const remote = join(root, 'remote');
  const layout = workdirLayout(join(root, 'work'));
  mkdirSync(remote, { recursive: true });
  /** Publishes `files` as version `v`: pointers in models/v, objects in `store` (a cache or the remote). */
  const publish = (v: number, files: Record<string, string>, store: string) => {
    for (const [name, text] of Object.entries(files)) {
      const object = join(store, objectRelPath(md5(text)));
      mkdirSync(dirname(object), { recursive: true });
      writeFileSync(object, text);
      mkdirSync(layout.modelDir(v), { recursive: true });
      writeFileSync(join(layout.modelDir(v), `${name}.dvc`), formatDvcFile({ md5: md5(text), size: Buffer.byteLength(text), path: name }));
    }
  };
  return { root, remote, layout, publish, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

describe('servedModel', () => {
  it('is null before the first version', async () => {
    const w = workspace();
    expect(await servedModel(w.layout, 0, w.remote, silentLogger)).toBeNull();
    w.cleanup();
  });

  it('uses models/<N> as it is, and restores missing files from the DVC cache or the remote', async () => {
    const w = workspace();
    w.publish(3, { 'model.bin': 'bin v3' }, cacheDir(w.layout.root));
    w.publish(3, { 'manifest.json': '{"v":3}' }, w.remote);
    expect(await servedModel(w.layout, 3, w.remote, silentLogger)).toEqual({ version: '3', dir: w.layout.modelDir(3) });
    expect(readFileSync(join(w.layout.modelDir(3), 'model.bin'), 'utf8')).toBe('bin v3');
    expect(readFileSync(join(w.layout.modelDir(3), 'manifest.json'), 'utf8')).toBe('{"v":3}');
    // Present files are not touched.
    writeFileSync(join(w.layout.modelDir(3), 'model.bin'), 'local');
    await servedModel(w.layout, 3, w.remote, silentLogger);
    expect(readFileSync(join(w.layout.modelDir(3), 'model.bin'), 'utf8')).toBe('local');
    w.cleanup();
  });

  it('fails naming the version when it cannot be found or restored', async () => {
    const w = workspace();
    await expect(servedModel(w.layout, 2, w.remote, silentLogger)).rejects.toThrow(/served model version 2 has no model\.bin nor model\.bin\.dvc/);
    w.publish(2, { 'model.bin': 'x', 'manifest.json': 'y' }, join(w.root, 'elsewhere'));
    await expect(servedModel(w.layout, 2, w.remote, silentLogger)).rejects.toThrow(/cannot restore the served model version 2: .*missing from the remote/);
    w.cleanup();
  });
});
