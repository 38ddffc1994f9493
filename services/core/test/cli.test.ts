// The command runner: exit status per code, --help, unknown errors, the message printed once, and
// the stack (with its causes) only at debug level.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../args.ts';
import { runCommand, stackWithCauses, type CliIo, type CliMain } from '../cli.ts';
import { ERROR_CODES, MarqueeError, type ErrorCode } from '../errors.ts';
import { createLogger, type Level } from '../logger.ts';

const USAGE = 'usage: demo --thing X';

function recorder(argv: string[] = [], level: Level = 'info'): CliIo & { out: string; err: string } {
  const io = {
    argv,
    out: '',
    err: '',
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
    logger: createLogger('demo', { level, write: (t) => void (io.err += t) }),
  };
  return io;
}

const failing =
  (err: unknown): CliMain =>
  () => {
    throw err;
  };

describe('runCommand', () => {
  it('exits with what main returns, printing nothing of its own', async () => {
    const io = recorder(['--thing', 'x']);
    let seen: string[] = [];
    const status = await runCommand('demo', USAGE, (argv) => ((seen = argv), 3), io);
    expect(status).toBe(3);
    expect(seen).toEqual(['--thing', 'x']);
    expect(io.out + io.err).toBe('');
  });

  it.each(Object.keys(ERROR_CODES) as ErrorCode[])('maps a %s error to its exit status', async (code) => {
    const io = recorder();
    const status = await runCommand('demo', USAGE, failing(new MarqueeError(code, 'it broke')), io);
    expect(status).toBe(ERROR_CODES[code].exitStatus);
    expect(io.err.startsWith('demo: it broke\n')).toBe(true);
  });

  it('prints the usage after a usage error, and the message once', async () => {
    const io = recorder();
    expect(await runCommand('demo', USAGE, failing(new UsageError('--thing is required')), io)).toBe(2);
    expect(io.err).toBe(`demo: --thing is required\n${USAGE}\n`);
    expect(io.out).toBe('');
  });

  it('prints no usage after other errors', async () => {
    const io = recorder();
    expect(await runCommand('demo', USAGE, failing(new MarqueeError('CONFIG', 'invalid configuration:\n  X: bad')), io)).toBe(2);
    expect(io.err).toBe('demo: invalid configuration:\n  X: bad\n');
  });

  it('--help prints the usage on stdout and exits 0 without running main', async () => {
    const io = recorder(['--thing', 'x', '--help']);
    let ran = false;
    expect(await runCommand('demo', USAGE, () => ((ran = true), 1), io)).toBe(0);
    expect(ran).toBe(false);
    expect(io.out).toBe(`${USAGE}\n`);
    expect(io.err).toBe('');
  });

  it('exits 1 on an error without a code, printing its message and no stack unless at debug level', async () => {
    const quiet = recorder();
    expect(await runCommand('demo', USAGE, failing(new TypeError('x is undefined')), quiet)).toBe(1);
    expect(quiet.err).toBe('demo: x is undefined\n');

    const loud = recorder([], 'debug');
    expect(await runCommand('demo', USAGE, failing(new TypeError('x is undefined')), loud)).toBe(1);
    expect(loud.err).toMatch(/^demo: x is undefined\n.* demo DEBUG TypeError: x is undefined\n {4}at /s);
    expect(loud.err.match(/x is undefined/g)?.length).toBe(2); // the line, then the stack's first line
  });

  it('handles a rejected promise and a thrown non-Error alike', async () => {
    const io = recorder();
    expect(await runCommand('demo', USAGE, () => Promise.reject(new MarqueeError('LOCKED', 'held by 7')), io)).toBe(2);
    expect(await runCommand('demo', USAGE, failing('plain text'), io)).toBe(1);
    expect(io.err).toBe('demo: held by 7\ndemo: plain text\n');
  });
});

describe('stackWithCauses', () => {
  it('follows the cause chain', () => {
    const root = new Error('ECONNREFUSED 127.0.0.1:9092');
    const err = new MarqueeError('KAFKA', 'Kafka consumer crashed', { cause: root });
    const text = stackWithCauses(err);
    expect(text).toMatch(/^MarqueeError: Kafka consumer crashed\n/);
    expect(text).toMatch(/\ncaused by: Error: ECONNREFUSED 127\.0\.0\.1:9092\n/);
  });

  it('stops at a cause that is not an Error, and at a cycle', () => {
    expect(stackWithCauses(new MarqueeError('INPUT', 'x', { cause: 'why' }))).toMatch(/\ncaused by: Error: why/);
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(stackWithCauses(b).match(/caused by/g)?.length).toBe(1);
  });
});
