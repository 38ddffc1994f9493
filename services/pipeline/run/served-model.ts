// The model the relative gate compares a candidate with: the last published version
// (data/version.txt), the one `release --model N` serves. Its folder models/N is git-ignored, so a
// fresh working copy may lack it: then it is restored from its .dvc pointers (the local DVC cache,
// else the remote), md5-checked. A published version that cannot be found fails the run rather than
// letting a candidate through unjudged.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, MODEL_FILE } from '../../model/index.ts';
import type { Logger } from '../../core/logger.ts';
import { cacheDir, dvcPull } from '../version/dvc-store.ts';
import type { WorkdirLayout } from '../version/layout.ts';
import { MarqueeError } from '../../core/errors.ts';

export interface ServedModel {
  version: string;
  dir: string;
}

export async function servedModel(layout: WorkdirLayout, previousVersion: number, remoteDir: string, logger: Logger): Promise<ServedModel | null> {
  if (previousVersion <= 0) return null;
  const dir = layout.modelDir(previousVersion);
  const missing = [MODEL_FILE, MANIFEST_FILE].filter((f) => !existsSync(join(dir, f)));
  for (const file of missing) {
    const pointer = join(dir, `${file}.dvc`);
    if (!existsSync(pointer)) {
      throw new MarqueeError('ARTIFACT', `the served model version ${previousVersion} has no ${file} nor ${file}.dvc in ${dir}: cannot judge the candidate against it`);
    }
    const errors: string[] = [];
    for (const source of [cacheDir(layout.root), remoteDir]) {
      try {
        await dvcPull(pointer, source);
        logger.info('restored the served model from DVC', { version: previousVersion, file, from: source });
        errors.length = 0;
        break;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    if (errors.length) throw new MarqueeError('ARTIFACT', `cannot restore the served model version ${previousVersion}: ${errors.join('; ')}`);
  }
  return { version: String(previousVersion), dir };
}
