import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../args.ts';

const spec = { ratings: 'string', json: 'boolean', holdout: 'string' } as const;

describe('parseArgs', () => {
  it('reads `--k v`, `--k=v` and switches', () => {
    expect(parseArgs(['--ratings', 'a.csv', '--holdout=0.2', '--json'], spec)).toEqual({ ratings: 'a.csv', holdout: '0.2', json: true });
  });

  it('rejects unknown options, stray words and missing values', () => {
    expect(() => parseArgs(['--ratigns', 'a'], spec)).toThrow(UsageError);
    expect(() => parseArgs(['a.csv'], spec)).toThrow(/unexpected argument/);
    expect(() => parseArgs(['--ratings'], spec)).toThrow(/needs a value/);
  });
});
