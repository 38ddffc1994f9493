// Paths the pipeline tests share: the repo root and the read-only course samples beside it.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const courseSamples = resolve(repoRoot, '../shared/data/course-samples');
export const movielens = resolve(repoRoot, '../shared/data/movielens');
