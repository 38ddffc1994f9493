import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { createLogger, logLevelFromEnv } from '../logger.ts';

describe('createLogger', () => {
  it('writes `timestamp component LEVEL message fields` lines to the sink and the file', () => {
    const lines: string[] = [];
    const file = join(mkdtempSync(join(tmpdir(), 'log-')), 'sub', 'x.log');
    const log = createLogger('pipeline', { write: (l) => lines.push(l), file, level: 'info' });
    log.info('trained model', { rmse: 0.91, note: 'two words' });
    log.debug('not shown');
    log.child('git').warn('push failed');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z pipeline INFO trained model rmse=0.91 note="two words"\n$/);
    expect(lines[1]).toMatch(/ pipeline\.git WARN push failed\n$/);
    expect(readFileSync(file, 'utf8')).toBe(lines.join(''));
  });

  it('never writes secret-looking fields', () => {
    const lines: string[] = [];
    const log = createLogger('notify', { write: (l) => lines.push(l) });
    log.info('sending', { smtpPassword: 'hunter2', webhookUrl: 'https://hooks.example/T000/B000/XXX', to: 'ops@example.com' });
    expect(lines[0]).not.toContain('hunter2');
    expect(lines[0]).not.toContain('hooks.example');
    expect(lines[0]).toContain('to=ops@example.com');
  });
});

describe('logLevelFromEnv', () => {
  it('reads LOG_LEVEL (default info) and refuses a level that does not exist, naming the variable', () => {
    expect(logLevelFromEnv({})).toBe('info');
    expect(logLevelFromEnv({ LOG_LEVEL: 'warn' })).toBe('warn');
    expect(() => logLevelFromEnv({ LOG_LEVEL: 'verbose' })).toThrow(ConfigError);
    expect(() => logLevelFromEnv({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL: /);
  });

  it('is the level of a logger given none, and of its children', () => {
    const lines: string[] = [];
    const saved = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'warn';
    try {
      const log = createLogger('t', { write: (l) => lines.push(l) });
      log.info('dropped');
      log.child('sub').warn('kept');
    } finally {
      if (saved === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = saved;
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ t\.sub WARN kept\n$/);
  });
});
