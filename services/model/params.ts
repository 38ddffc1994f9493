// Training hyper-parameters: the defaults (Surprise's SVD) and their validation.
import { z } from 'zod';
import type { TrainParams } from './types.ts';

export const defaultParams: TrainParams = Object.freeze({
  factors: 100,
  epochs: 20,
  lr: 0.005,
  reg: 0.02,
  initMean: 0,
  initStd: 0.1,
  seed: 42,
  // One thread by default: bit-for-bit reproducible. Pass 2+ for Hogwild speed.
  threads: 1,
  ratingMin: 1,
  ratingMax: 5,
});

/** Most worker threads a training may use; more than the cores only adds contention. */
export const MAX_THREADS = 64;

export const trainParamsSchema = z
  .object({
    factors: z.number().int().min(1).max(4096),
    epochs: z.number().int().min(0).max(100_000),
    lr: z.number().finite().positive(),
    reg: z.number().finite().min(0),
    initMean: z.number().finite(),
    initStd: z.number().finite().min(0),
    seed: z.number().int().min(0).max(2 ** 32 - 1),
    threads: z.number().int().min(1).max(MAX_THREADS),
    ratingMin: z.number().finite(),
    ratingMax: z.number().finite(),
  })
  .refine((p) => p.ratingMin < p.ratingMax, { message: 'ratingMin must be below ratingMax', path: ['ratingMin'] });

/** Defaults overlaid with `overrides`, validated; throws a RangeError naming each bad field. */
export function resolveParams(overrides: Partial<TrainParams> = {}): TrainParams {
  const merged = { ...defaultParams };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  const parsed = trainParamsSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`);
    throw new RangeError(`invalid training parameters: ${issues.join('; ')}`);
  }
  return parsed.data;
}
