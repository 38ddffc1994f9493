import { describe, expect, it } from 'vitest';
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
