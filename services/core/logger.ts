// One log line per event: `<ISO timestamp> <component> <LEVEL> <message> [key=value ...]`,
// to stdout and, when configured, appended to a file. Secret-looking keys are redacted.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { loadConfig } from './config.ts';

export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /pass|secret|token|webhook|key|auth/i;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

export interface LoggerOptions {
  level?: Level;
  file?: string;
  /** Where lines go besides the file; default process.stdout. */
  write?: (line: string) => void;
}

export function formatFields(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const value = SECRET_KEY.test(k) ? '[redacted]' : v instanceof Error ? v.message : v;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    out += ` ${k}=${/\s/.test(text) ? JSON.stringify(text) : text}`;
  }
  return out;
}

/** The least severe level logged where a logger is given none; a bad value is a ConfigError naming it. */
export const logEnvShape = { LOG_LEVEL: z.enum(LEVELS).default('info') };

export function logLevelFromEnv(source: Record<string, string | undefined> = process.env): Level {
  return loadConfig(logEnvShape, source).LOG_LEVEL;
}

export function createLogger(component: string, opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? logLevelFromEnv();
  const min = ORDER[level];
  const write = opts.write ?? ((line: string) => process.stdout.write(line));
  if (opts.file) mkdirSync(dirname(opts.file), { recursive: true });
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const line = `${new Date().toISOString()} ${component} ${level.toUpperCase()} ${msg}${formatFields(fields)}\n`;
    write(line);
    if (opts.file) appendFileSync(opts.file, line);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (sub) => createLogger(`${component}.${sub}`, { ...opts, level }),
  };
}

/** A logger that drops everything; for tests and libraries called without one. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
