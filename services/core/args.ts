// Tiny argv parser for the CLIs: `--flag value`, `--flag=value`, and bare `--switch`.
// Unknown flags are an error, so a typo never silently falls back to a default.
import { MarqueeError, type MarqueeErrorOptions } from './errors.ts';

export type ArgSpec = Record<string, 'string' | 'boolean'>;

export class UsageError extends MarqueeError {
  constructor(message: string, options?: MarqueeErrorOptions) {
    super('USAGE', message, options);
  }
}

export function parseArgs(argv: string[], spec: ArgSpec): Record<string, string | boolean | undefined> {
  const out: Record<string, string | boolean | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('--')) throw new UsageError(`unexpected argument '${token}'`);
    const eq = token.indexOf('=');
    const name = token.slice(2, eq === -1 ? undefined : eq);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option --${name} (known: ${Object.keys(spec).map((k) => `--${k}`).join(', ')})`);
    if (kind === 'boolean') {
      out[name] = eq === -1 ? true : token.slice(eq + 1) !== 'false';
      continue;
    }
    const value = eq !== -1 ? token.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    out[name] = value;
  }
  return out;
}
