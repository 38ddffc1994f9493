// `npm run deploy-config`: regenerates nginx/nginx.conf and monitoring/prometheus.yml from the
// production topology (topology.ts). `--check` only reports drift (exit 1), for CI.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../../services/core/args.ts';
import { runCli } from '../../services/core/cli.ts';
import { writeFileAtomic } from '../../services/core/atomic-write.ts';
import { productionNginxConf, productionPrometheusYml } from './topology.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const PRODUCTION_FILES: Array<{ path: string; render: () => string }> = [
  { path: 'nginx/nginx.conf', render: productionNginxConf },
  { path: 'monitoring/prometheus.yml', render: productionPrometheusYml },
];

const USAGE = 'usage: npm run deploy-config [-- --check]   (--check: only report drift, exit 1 on any)';

function main(argv: string[]): number {
  const args = parseArgs(argv, { check: 'boolean' });
  let drift = 0;
  for (const f of PRODUCTION_FILES) {
    const path = resolve(REPO, f.path);
    const want = f.render();
    const have = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (have === want) {
      console.log(`up to date: ${relative(REPO, path)}`);
    } else if (args.check) {
      console.log(`DRIFT: ${relative(REPO, path)} differs from its renderer; run npm run deploy-config`);
      drift++;
    } else {
      writeFileAtomic(path, want);
      console.log(`written: ${relative(REPO, path)}`);
    }
  }
  return drift ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) runCli('deploy-config', USAGE, main);
