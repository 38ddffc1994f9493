// Runs the paced generator (_paced-load.ts) in a child process of its own, so that its work and GC
// pauses share no event loop with the benchmark: one request, one result.
import { fork } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PacedRequest, PacedResult } from './_paced-load.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function runPaced(req: PacedRequest): Promise<PacedResult> {
  const child = fork(join(repoRoot, 'scripts/bench/_paced-load.ts'), [], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((done, fail) => {
    let answered = false;
    child.once('message', (msg: { result?: PacedResult; error?: string }) => {
      answered = true;
      if (msg.result) done(msg.result);
      else fail(new Error(`paced generator failed: ${msg.error}`));
    });
    child.once('exit', (code) => {
      if (!answered) fail(new Error(`paced generator exited with code ${code} before answering`));
    });
    child.send(req);
  });
}
