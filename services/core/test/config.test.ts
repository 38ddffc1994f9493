import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, env, loadConfig } from '../config.ts';

const shape = { PORT: env.port(8082), TRACK: env.string('stable'), VERBOSE: env.bool(false) };

describe('loadConfig', () => {
  it('applies defaults when variables are unset or empty', () => {
    expect(loadConfig(shape, { PORT: '' })).toEqual({ PORT: 8082, TRACK: 'stable', VERBOSE: false });
  });

  it('coerces numbers and booleans', () => {
    expect(loadConfig(shape, { PORT: '9000', VERBOSE: 'yes' })).toEqual({ PORT: 9000, TRACK: 'stable', VERBOSE: true });
  });

  it('names the offending variable in a readable error', () => {
    let caught: unknown;
    try {
      loadConfig(shape, { PORT: 'eighty', VERBOSE: 'maybe' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as Error).message;
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/VERBOSE/);
    expect(message).not.toMatch(/at .*\.ts/);
  });

  it('rejects an out-of-range port', () => {
    expect(() => loadConfig(shape, { PORT: '70000' })).toThrow(/PORT/);
  });
});

describe('loadConfig with X_FILE (secrets mounted as files)', () => {
  const secretShape = { DB_PASSWORD: z.string().default(''), DB_USER: env.string('root'), PORT: env.port(8082) };
  const dir = mkdtempSync(join(tmpdir(), 'marquee-config-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('reads the value from the file named by X_FILE, trailing newline trimmed', () => {
    const path = file('pw', 's3cret value\n');
    expect(loadConfig(secretShape, { DB_PASSWORD_FILE: path })).toEqual({ DB_PASSWORD: 's3cret value', DB_USER: 'root', PORT: 8082 });
    expect(loadConfig(secretShape, { DB_USER_FILE: file('user', 'app\r\n') }).DB_USER).toBe('app');
  });

  it('keeps inner and leading whitespace (only the trailing newline goes)', () => {
    expect(loadConfig(secretShape, { DB_PASSWORD_FILE: file('ws', ' a b \n') }).DB_PASSWORD).toBe(' a b ');
  });

  it('validates a value from a file like any other and names the variable', () => {
    expect(() => loadConfig(secretShape, { PORT_FILE: file('port', 'eighty\n') })).toThrow(/PORT \(from PORT_FILE\)/);
  });

  it('refuses X and X_FILE both set, naming both', () => {
    const err = catchError(() => loadConfig(secretShape, { DB_PASSWORD: 'x', DB_PASSWORD_FILE: file('both', 'y') }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/DB_PASSWORD and DB_PASSWORD_FILE are both set/);
  });

  it('names X_FILE for an unreadable file and never shows a file content', () => {
    const missing = catchError(() => loadConfig(secretShape, { DB_PASSWORD_FILE: join(dir, 'nope') }));
    expect(missing.message).toMatch(/DB_PASSWORD_FILE: cannot read .*nope \(ENOENT\)/);
    const isDir = catchError(() => loadConfig(secretShape, { DB_PASSWORD_FILE: dir }));
    expect(isDir.message).toMatch(/DB_PASSWORD_FILE: cannot read .* \(EISDIR\)/);
  });

  it('never echoes a secret read from a file, even from a refinement that quotes the value', () => {
    const quoting = { TOKEN: z.string().refine((v) => v.startsWith('tok_'), { error: (i) => `'${String(i.input)}' is not a token` }) };
    const err = catchError(() => loadConfig(quoting, { TOKEN_FILE: file('tok', 'hunter2\n') }));
    expect(err.message).toMatch(/TOKEN \(from TOKEN_FILE\)/);
    expect(err.message).not.toMatch(/hunter2/);
  });

  it('leaves a path-valued X_FILE key of the shape alone', () => {
    const pathShape = { LOG: z.string().optional(), LOG_FILE: z.string().optional() };
    expect(loadConfig(pathShape, { LOG_FILE: '/nonexistent/log' })).toEqual({ LOG: undefined, LOG_FILE: '/nonexistent/log' });
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
