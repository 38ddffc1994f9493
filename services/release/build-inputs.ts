// What the project's images are built from, as one hash: the files the Dockerfile copies (the
// build context minus what .dockerignore leaves out). An image carries the hash of its inputs as
// a label (org.marquee.build-inputs), so a release rebuilds only when the checkout changed since —
// a rebuild takes both cores for a minute, which a serving host should not pay for nothing.
//   tsx services/release/build-inputs.ts [repo root]     prints the hash
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUILD_INPUTS_LABEL = 'org.marquee.build-inputs';

const FILES = ['Dockerfile', 'package.json', 'package-lock.json', 'tsconfig.json'];
const TREES = ['services', 'deploy', 'data/sample'];
/** Left out of the image by .dockerignore (`test`, `**\/test`). */
const isTestDir = (name: string) => name === 'test';

function walk(root: string, dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!isTestDir(entry.name)) walk(root, path, out);
    } else if (entry.isFile()) out.push(relative(root, path));
  }
}

/** sha256 over the sorted paths and contents of the build inputs under `root` (16 hex digits). */
export function buildInputsHash(root: string): string {
  const files = FILES.filter((f) => statSync(join(root, f), { throwIfNoEntry: false })?.isFile());
  for (const t of TREES) if (statSync(join(root, t), { throwIfNoEntry: false })?.isDirectory()) walk(root, join(root, t), files);
  const hash = createHash('sha256');
  for (const f of files.sort()) hash.update(f).update('\0').update(readFileSync(join(root, f))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${buildInputsHash(resolve(process.argv[2] ?? '.'))}\n`);
}
