// `tsx scripts/ci/dvc-pull.ts <file>.dvc`: `dvc pull` of one pointer from the default remote named in
// .dvc/config (a local path, as the pipeline pushes), without the dvc binary. Prints what it pulled.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../../services/core/args.ts';
import { runCli } from '../../services/core/cli.ts';
import { MarqueeError } from '../../services/core/errors.ts';
import { readDefaultRemote } from '../../services/pipeline/version/dvc-file.ts';
import { dvcPull } from '../../services/pipeline/version/dvc-store.ts';

const USAGE = 'usage: tsx scripts/ci/dvc-pull.ts <file>.dvc';

async function main([dvcFile, ...rest]: string[]): Promise<number> {
  if (!dvcFile || rest.length) throw new UsageError('give exactly one <file>.dvc');
  const config = resolve('.dvc', 'config');
  const remote = existsSync(config) ? readDefaultRemote(readFileSync(config, 'utf8')) : null;
  if (!remote) throw new MarqueeError('CONFIG', `${config}: no default DVC remote`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(remote.url)) throw new MarqueeError('CONFIG', `DVC remote '${remote.name}' (${remote.url}): only local-path remotes are supported`);
  // DVC resolves a relative remote url against the .dvc folder.
  const dir = resolve(dirname(config), remote.url);
  const out = await dvcPull(dvcFile, dir);
  process.stdout.write(`dvc-pull: ${join(dirname(dvcFile), out.path)} (md5 ${out.md5}, ${out.size} bytes) from remote '${remote.name}' ${dir}\n`);
  return 0;
}

runCli('dvc-pull', USAGE, main);
