// A clean checkout of the working tree, as a new user would clone it: the files git tracks plus the
// untracked ones it does not ignore (so uncommitted work is tested too), committed in a fresh
// repository in a folder with no ../shared beside it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export function cleanCheckout(dest: string, from = REPO): string {
  mkdirSync(dest, { recursive: true });
  const files = git(from, 'ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0').filter(Boolean);
  for (const f of files) {
    try {
      cpSync(join(from, f), join(dest, f), { recursive: false, verbatimSymlinks: true });
    } catch (err) {
      // A tracked file deleted in the working tree is not part of the checkout.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  git(dest, 'init', '-q', '-b', 'main');
  git(dest, 'add', '-A');
  git(dest, '-c', 'user.name=Marquee test', '-c', 'user.email=test@marquee.invalid', 'commit', '-q', '-m', 'clean checkout of the working tree');
  return dest;
}
