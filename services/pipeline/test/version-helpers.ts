// Helpers for the versioning tests: a directory tree as {path: md5}, and a fake trained artifact.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { md5 } from '../../core/hash.ts';

/** Every file under `root` (skipping .git) with the md5 of its content; folders are listed too. */
export function treeOf(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (rel === '.git') continue;
      if (statSync(path).isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(path);
      } else out[rel] = md5(readFileSync(path));
    }
  };
  walk(root);
  return out;
}

/** A staging folder as runTraining leaves it: model.bin + a manifest describing it and the data. */
export function fakeArtifact(dir: string, version: number, dataMd5: string, bytes = 'model bytes'): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.bin'), bytes);
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      format: 'marquee-mf',
      formatVersion: 1,
      version: String(version),
      artifact: { file: 'model.bin', md5: md5(bytes), size: Buffer.byteLength(bytes) },
      data: { md5: dataMd5, ratings: 1 },
    }),
  );
}
