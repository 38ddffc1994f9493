// A journal of what a run changed on disk, undone in reverse order when a later step fails,
// so a failed run leaves the working copy, the models and the DVC cache as they were.
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write.ts';
import type { Logger } from '../../core/logger.ts';

interface Entry {
  what: string;
  undo: () => void | Promise<void>;
}

export class UndoLog {
  private readonly entries: Entry[] = [];

  /** Remembers `path` as it is now (content or absence), to put it back on undo; creates its folder. */
  snapshot(path: string): void {
    this.mkdirp(dirname(path));
    const before = existsSync(path) ? readFileSync(path) : null;
    this.entries.push({
      what: `restore ${path}`,
      undo: () => {
        if (before === null) {
          if (existsSync(path)) unlinkSync(path);
        } else writeFileAtomic(path, before);
      },
    });
  }

  /** A file or folder this run created; removed on undo. Register it before creating it. */
  created(path: string): void {
    this.entries.push({ what: `remove ${path}`, undo: () => rmSync(path, { recursive: true, force: true }) });
  }

  /** mkdir -p that remembers the top-most folder it created, to remove it (and its content) on undo. */
  mkdirp(dir: string): void {
    let top: string | null = null;
    for (let d = resolve(dir); !existsSync(d); d = dirname(d)) top = d;
    if (top === null) return;
    this.created(top);
    mkdirSync(dir, { recursive: true });
  }

  /** Any other undo action (e.g. resetting a local git commit). */
  action(what: string, undo: () => void | Promise<void>): void {
    this.entries.push({ what, undo });
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * Runs every undo action, newest first. A failing action is logged and the rest still run;
   * returns the failures so the caller can report an incomplete rollback.
   */
  async undo(logger: Logger): Promise<string[]> {
    const failures: string[] = [];
    while (this.entries.length > 0) {
      const entry = this.entries.pop() as Entry;
      try {
        await entry.undo();
        logger.debug('undone', { what: entry.what });
      } catch (err) {
        const message = `${entry.what}: ${(err as Error).message}`;
        failures.push(message);
        logger.error('undo failed', { what: entry.what, error: (err as Error).message });
      }
    }
    return failures;
  }

  /** Forget everything: the changes are now permanent (the version was published). */
  commit(): void {
    this.entries.length = 0;
  }
}
