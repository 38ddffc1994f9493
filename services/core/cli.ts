// The one way a command starts and ends. `runCli(name, usage, main)` runs `main(argv)` and exits
// with the status it returns; `--help` prints the usage and exits 0. A failure prints one line,
// `name: message`, on stderr (the usage after it for a USAGE error) and exits with its code's status
// (errors.ts), 1 for an error without a code. Only the message is printed, and messages never hold
// secrets; the stack, with its chain of causes, is logged at debug level (LOG_LEVEL=debug).
import { asError, exitStatusOf, isMarqueeError } from './errors.ts';
import { createLogger, type Logger } from './logger.ts';

/** What a command prints to and reads from; the process's own by default, a recorder in tests. */
export interface CliIo {
  argv: string[];
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  logger: Logger;
}

/** A command's body: resolves with its exit status (0 done; 1, 3, ... results a CLI documents). */
export type CliMain = (argv: string[]) => Promise<number> | number;

export function processIo(name: string): CliIo {
  const stderr = (text: string) => void process.stderr.write(text);
  return {
    argv: process.argv.slice(2),
    stdout: (text) => void process.stdout.write(text),
    stderr,
    logger: createLogger(name, { write: stderr }),
  };
}

/** `err`'s stack followed by each cause's, for the debug log. */
export function stackWithCauses(err: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let e: unknown = err; e !== undefined && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const error = asError(e);
    parts.push(`${parts.length ? 'caused by: ' : ''}${error.stack ?? `${error.name}: ${error.message}`}`);
    if (!(e instanceof Error)) break;
  }
  return parts.join('\n');
}

/** Prints the failure for the operator and returns the exit status it maps to. */
export function reportFailure(name: string, err: unknown, io: CliIo, usage?: string): number {
  io.stderr(`${name}: ${asError(err).message}\n`);
  if (usage && isMarqueeError(err, 'USAGE')) io.stderr(`${usage}\n`);
  io.logger.debug(stackWithCauses(err));
  return exitStatusOf(err);
}

/** Runs `main` and resolves with the exit status, having printed what the operator needs. */
export async function runCommand(name: string, usage: string, main: CliMain, io: CliIo = processIo(name)): Promise<number> {
  if (io.argv.includes('--help')) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  try {
    return await main(io.argv);
  } catch (err) {
    return reportFailure(name, err, io, usage);
  }
}

/** The entry point of every command: runs `main`, then exits with its status. */
export function runCli(name: string, usage: string, main: CliMain): void {
  void runCommand(name, usage, main).then((status) => process.exit(status));
}

/** For a service whose start-up cannot sit inside runCli (it keeps serving): report and exit. */
export function exitOnError(name: string, err: unknown): never {
  process.exit(reportFailure(name, err, processIo(name)));
}
