// The release CLI as a child process, as an operator runs it (`npm run release -- ...`), so the
// e2e goes through its env config and can SIGKILL it mid-step.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface CliRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function startRelease(repo: string, args: string[], env: Record<string, string>, echo = false): CliRun {
  // The parent's RELEASE_* / KAFKA_* / MYSQL_* must not leak in: the test says every setting.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(RELEASE_|KAFKA_|MYSQL_|PROMETHEUS_|MODELS_DIR|SMTP_|SLACK_|ALERT_)/.test(k)));
  const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'services/release/cli/release.ts'), ...args], {
    cwd: repo,
    env: { ...base, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (echo) process.stderr.write(c);
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}
