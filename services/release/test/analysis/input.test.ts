import { describe, expect, it } from 'vitest';
import { isMarqueeError } from '../../../core/errors.ts';
import { minimumSampleSize } from '../../analysis/proportions.ts';

describe('invalid input', () => {
  it('is the stack’s INPUT error (exit status 1, not retriable), naming the field', () => {
    let caught: unknown;
    try {
      minimumSampleSize({ baselineRate: 2, minimalDetectableEffect: { kind: 'absolute', value: 0.01 } });
    } catch (err) {
      caught = err;
    }
    expect(isMarqueeError(caught, 'INPUT')).toBe(true);
    expect((caught as Error).message).toMatch(/^sampleSize\.baselineRate: /);
  });
});
