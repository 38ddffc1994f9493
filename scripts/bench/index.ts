// `npm run bench [-- suite ...]`: runs the benchmark suites (all by default) and prints figures.
// Each suite lives in scripts/bench/<name>.ts and exports `run(): Promise<void>`.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../../services/core/args.ts';
import { runCli } from '../../services/core/cli.ts';

const here = dirname(fileURLToPath(import.meta.url));
const USAGE = 'usage: npm run bench [-- suite ...]   (suites: the scripts/bench/<name>.ts files; all by default)';

async function main(argv: string[]): Promise<number> {
  const available = readdirSync(here)
    .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('_'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
  const wanted = argv.filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !available.includes(w));
  if (unknown.length) throw new UsageError(`unknown suite(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  for (const name of wanted.length ? wanted : available) {
    process.stdout.write(`\n=== bench: ${name} ===\n`);
    const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { run: () => Promise<void> };
    await mod.run();
  }
  return 0;
}

runCli('bench', USAGE, main);
