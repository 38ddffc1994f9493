// DVC's file operations without the dvc binary: `dvc add` (cache + .dvc file + .gitignore),
// `dvc remote add -d`, `dvc push` to a local-path remote, and `dvc pull` of one .dvc file.
// Every change is journalled in an UndoLog so a failed run can take it back.
import { chmodSync, copyFileSync, existsSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.ts';
import { md5File } from '../../core/hash.ts';
import {
  type DvcOut,
  formatDvcFile,
  objectRelPath,
  parseDvcFile,
  withDefaultRemote,
  withGitignoreEntries,
} from './dvc-file.ts';
import type { UndoLog } from './undo-log.ts';
import { MarqueeError } from '../../core/errors.ts';

/** What `dvc init` puts in `.dvc/.gitignore`. */
const DVC_DIR_GITIGNORE = ['config.local', 'tmp', 'cache'];

export const cacheDir = (root: string) => join(root, '.dvc', 'cache');

export interface AddedFile {
  out: DvcOut;
  /** The `.dvc` file written beside the output. */
  dvcFile: string;
  /** Files in the working copy this add wrote or changed (to commit to git). */
  changed: string[];
}

/** `dvc add <file>`: content into the cache, `<file>.dvc` beside it, `/<name>` in the folder's .gitignore. */
export async function dvcAdd(root: string, file: string, undo: UndoLog): Promise<AddedFile> {
  const md5 = await md5File(file);
  const out: DvcOut = { md5, size: statSync(file).size, path: basename(file) };
  copyObject(file, join(cacheDir(root), objectRelPath(md5)), out.size, undo);

  const dvcFile = `${file}.dvc`;
  const changed = [dvcFile];
  undo.snapshot(dvcFile);
  writeFileAtomic(dvcFile, formatDvcFile(out));

  const gitignore = join(dirname(file), '.gitignore');
  const existing = existsSync(gitignore) ? readFileSync(gitignore, 'utf8') : undefined;
  const next = withGitignoreEntries(existing, [out.path]);
  if (next !== null) {
    undo.snapshot(gitignore);
    writeFileAtomic(gitignore, next);
    changed.push(gitignore);
  }
  return { out, dvcFile, changed };
}

/** `dvc init` (the parts git sees) + `dvc remote add -d name url`. Returns the files it changed. */
export function ensureDvcConfig(root: string, remote: { name: string; url: string }, undo: UndoLog): string[] {
  const changed: string[] = [];
  const config = join(root, '.dvc', 'config');
  const current = existsSync(config) ? readFileSync(config, 'utf8') : undefined;
  const next = withDefaultRemote(current, remote.name, remote.url);
  if (next !== current) {
    undo.snapshot(config);
    writeFileAtomic(config, next);
    changed.push(config);
  }
  const ignore = join(root, '.dvc', '.gitignore');
  const currentIgnore = existsSync(ignore) ? readFileSync(ignore, 'utf8') : undefined;
  const nextIgnore = withGitignoreEntries(currentIgnore, DVC_DIR_GITIGNORE);
  if (nextIgnore !== null) {
    undo.snapshot(ignore);
    writeFileAtomic(ignore, nextIgnore);
    changed.push(ignore);
  }
  return changed;
}

/** `dvc push` of the given outputs to a local-path remote with the cache's layout. Returns objects copied. */
export function dvcPush(root: string, remoteDir: string, outs: DvcOut[], undo: UndoLog): number {
  let copied = 0;
  for (const out of outs) {
    const rel = objectRelPath(out.md5);
    const source = join(cacheDir(root), rel);
    if (!existsSync(source)) throw new MarqueeError('INPUT', `object ${out.md5} (${out.path}) is not in the cache ${cacheDir(root)}`);
    if (copyObject(source, join(remoteDir, rel), out.size, undo)) copied++;
  }
  return copied;
}

/**
 * `dvc pull <file>.dvc` from a local-path remote: restores the output beside the `.dvc` file and
 * checks its md5 and size, so a user can rebuild the working copy from git + the remote.
 */
export async function dvcPull(dvcFile: string, remoteDir: string): Promise<DvcOut> {
  const out = parseDvcFile(readFileSync(dvcFile, 'utf8'), dvcFile);
  const source = join(remoteDir, objectRelPath(out.md5));
  if (!existsSync(source)) throw new MarqueeError('INPUT', `${dvcFile}: object ${out.md5} is missing from the remote ${remoteDir}`);
  const target = join(dirname(dvcFile), out.path);
  const tmp = `${target}.pull-${process.pid}.tmp`;
  copyFileSync(source, tmp);
  const md5 = await md5File(tmp);
  const size = statSync(tmp).size;
  if (md5 !== out.md5 || size !== out.size) {
    unlinkSync(tmp);
    throw new MarqueeError('INPUT', `${dvcFile}: remote object is corrupt (md5 ${md5}, size ${size}; expected ${out.md5}, ${out.size})`);
  }
  renameSync(tmp, target);
  return out;
}

/**
 * Copies a content-addressed object unless it is already there with the right size; read-only like
 * DVC's cache. Returns true when it copied (and journalled the new file for undo).
 */
function copyObject(source: string, target: string, size: number, undo: UndoLog): boolean {
  if (existsSync(target) && statSync(target).size === size) return false;
  undo.mkdirp(dirname(target));
  // A same-named object of the wrong size is corrupt: it is replaced and not worth restoring.
  const existed = existsSync(target);
  if (!existed) undo.created(target);
  // Copy beside the target, then rename: a crash never leaves a truncated object under its md5.
  const tmp = `${target}.${process.pid}.tmp`;
  copyFileSync(source, tmp);
  chmodSync(tmp, 0o444);
  if (existed) chmodSync(target, 0o644);
  renameSync(tmp, target);
  return true;
}
