import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnLogged } from '../spawn-logged.ts';

describe('spawnLogged', () => {
  it('appends the output to the log file (creating its folder) and tells how the process ended', async () => {
    const logFile = join(mkdtempSync(join(tmpdir(), 'spawn-logged-')), 'logs', 'child.log');
    const p = spawnLogged(process.execPath, ['-e', "console.log('out'); console.error('err'); process.exit(3)"], { logFile });
    expect(p.pid).toBe(p.child.pid);
    expect(await p.exited).toBe('code 3');
    const again = spawnLogged(process.execPath, ['-e', "console.log('again')"], { logFile });
    expect(await again.exited).toBe('code 0');
    expect(readFileSync(logFile, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['again', 'err', 'out']);
  });
});
