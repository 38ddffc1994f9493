import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';

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
