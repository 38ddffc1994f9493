// `data/version.txt`: the number of the last published data+model version (0 before the first).
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../core/atomic-write.ts';
import { MarqueeError } from '../../core/errors.ts';

export function parseVersion(text: string, source = 'version.txt'): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) throw new MarqueeError('INPUT', `${source}: expected a non-negative integer, got '${trimmed.slice(0, 40)}'`);
  const n = Number(trimmed);
  if (!Number.isSafeInteger(n)) throw new MarqueeError('INPUT', `${source}: version ${trimmed} is too large`);
  return n;
}

export const formatVersion = (n: number): string => `${n}\n`;

/** The current version; a missing file means nothing was versioned yet (0). */
export function readVersion(path: string): number {
  return existsSync(path) ? parseVersion(readFileSync(path, 'utf8'), path) : 0;
}

export function writeVersion(path: string, n: number): void {
  writeFileAtomic(path, formatVersion(n));
}
