// A small client for the Prometheus HTTP API (instant and range queries), with the answers
// zod-checked at the boundary. Values come back as numbers; "NaN"/"+Inf" stay NaN/Infinity.
import { z } from 'zod';
import { MarqueeError, type MarqueeErrorOptions } from '../core/errors.ts';

export interface InstantSample {
  metric: Record<string, string>;
  value: number;
}

export interface RangeSeries {
  metric: Record<string, string>;
  points: Array<[number, number]>;
}

export interface PrometheusClient {
  /** Instant query evaluated at `atSec` (unix seconds). */
  query(promql: string, atSec: number): Promise<InstantSample[]>;
  /** Range query over [startSec, endSec] every `stepSec`. */
  queryRange(promql: string, startSec: number, endSec: number, stepSec: number): Promise<RangeSeries[]>;
}

export class PrometheusError extends MarqueeError {
  constructor(message: string, options?: MarqueeErrorOptions) {
    super('PROMETHEUS', message, options);
  }
}

const sampleValue = z.tuple([z.number(), z.string()]);
const labels = z.record(z.string(), z.string());
const responseSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: labels, value: sampleValue })) }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.object({ metric: labels, values: z.array(sampleValue) })) }),
      z.object({ resultType: z.literal('scalar'), result: sampleValue }),
      z.object({ resultType: z.literal('string'), result: sampleValue }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);
type Data = Extract<z.infer<typeof responseSchema>, { status: 'success' }>['data'];

export function createPrometheusClient(baseUrl: string, timeoutMs = 10_000): PrometheusClient {
  const base = baseUrl.replace(/\/+$/, '');
  async function call(path: string, params: Record<string, string>): Promise<Data> {
    const body = new URLSearchParams(params);
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new PrometheusError(`Prometheus at ${base} unreachable: ${(err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new PrometheusError(`Prometheus ${path} answered HTTP ${res.status} with non-JSON: ${text.slice(0, 200)}`);
    }
    const parsed = responseSchema.safeParse(json);
    if (!parsed.success) throw new PrometheusError(`unexpected Prometheus ${path} answer: ${text.slice(0, 200)}`);
    if (parsed.data.status === 'error') {
      throw new PrometheusError(`Prometheus ${path} error (${parsed.data.errorType ?? res.status}): ${parsed.data.error ?? ''} [query: ${params.query}]`);
    }
    return parsed.data.data;
  }

  return {
    async query(promql, atSec) {
      const data = await call('/api/v1/query', { query: promql, time: String(atSec) });
      if (data.resultType === 'vector') {
        return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
      }
      if (data.resultType === 'scalar') return [{ metric: {}, value: Number(data.result[1]) }];
      throw new PrometheusError(`expected a vector from '${promql}', got ${data.resultType}`);
    },
    async queryRange(promql, startSec, endSec, stepSec) {
      const data = await call('/api/v1/query_range', {
        query: promql,
        start: String(startSec),
        end: String(endSec),
        step: String(stepSec),
      });
      if (data.resultType !== 'matrix') throw new PrometheusError(`expected a matrix from '${promql}', got ${data.resultType}`);
      return data.result.map((r) => ({ metric: r.metric, points: r.values.map(([t, v]) => [t, Number(v)] as [number, number]) }));
    },
  };
}
