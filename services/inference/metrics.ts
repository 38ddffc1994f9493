// Prometheus metrics of one app instance, in its own registry.
//
// The request histogram and counter are kept in plain typed arrays and turned into prom-client
// metric objects only when /metrics is scraped: prom-client's labelled observe() hashes the label
// object on every call (~1.5 µs measured here, a visible share of the 60-100 µs a replica spends on a request), while
// `series.observe()` below is a short loop over the buckets.
import { collectDefaultMetrics, Counter, Gauge, type Metric, type Registry } from 'prom-client';

/** Fine enough to resolve 1 ms to 1 s. */
export const DURATION_BUCKETS = [
  0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5,
  0.6, 0.8, 1, 2,
];

type Labels = { method: string; route: string; status_code: string; track: string };

/** One label set of the request metrics. */
export class RequestSeries {
  /** Per-bucket (non-cumulative) counts; the last slot is for values above the largest bound. */
  readonly counts = new Float64Array(DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  readonly labels: Labels;

  constructor(labels: Labels) {
    this.labels = labels;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  observe(seconds: number): void {
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]) i++;
    this.counts[i]++;
    this.sum += seconds;
    this.count++;
  }
}

interface ExportValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

export interface ServiceMetrics {
  registry: Registry;
  /** The series for one method/route/status (cached; keep the result on hot paths). */
  series(method: string, route: string, status: number): RequestSeries;
  /** Sets model_info{version,track} = 1 (and drops a previous version's series). */
  setModel(version: string): void;
}

export function createMetrics(registry: Registry, track: string): ServiceMetrics {
  const all = new Map<string, RequestSeries>();
  const series = (method: string, route: string, status: number) => {
    const key = `${method} ${status} ${route}`;
    let s = all.get(key);
    if (!s) {
      s = new RequestSeries({ method, route, status_code: String(status), track });
      all.set(key, s);
    }
    return s;
  };

  const histogramValues = (): ExportValue[] => {
    const out: ExportValue[] = [];
    for (const s of all.values()) {
      let acc = 0;
      for (let b = 0; b < DURATION_BUCKETS.length; b++) {
        acc += s.counts[b];
        out.push({ metricName: 'http_request_duration_seconds_bucket', labels: { ...s.labels, le: DURATION_BUCKETS[b] }, value: acc });
      }
      out.push({ metricName: 'http_request_duration_seconds_bucket', labels: { ...s.labels, le: '+Inf' }, value: s.count });
      out.push({ metricName: 'http_request_duration_seconds_sum', labels: s.labels, value: s.sum });
      out.push({ metricName: 'http_request_duration_seconds_count', labels: s.labels, value: s.count });
    }
    return out;
  };
  // Both metrics read the same series; resetting either (registry.resetMetrics()) zeroes them in
  // place, so series held by callers keep counting into the export.
  const reset = () => {
    for (const s of all.values()) s.reset();
  };
  registry.registerMetric(
    snapshotMetric('http_request_duration_seconds', 'Duration of HTTP requests in seconds', 'histogram', histogramValues, reset),
  );
  registry.registerMetric(
    snapshotMetric(
      'http_requests_total',
      'HTTP requests served',
      'counter',
      () => [...all.values()].map((s) => ({ labels: s.labels, value: s.count })),
      reset,
    ),
  );

  const modelInfo = new Gauge({
    name: 'model_info',
    help: 'The model version this instance serves (value 1)',
    labelNames: ['version', 'track'],
    registers: [registry],
  });
  collectDefaultMetrics({ register: registry });

  return {
    registry,
    series,
    setModel(version) {
      modelInfo.reset();
      modelInfo.labels(version, track).set(1);
    },
  };
}

/** A metric whose values are computed at scrape time, in the shape prom-client's Registry reads. */
function snapshotMetric(
  name: string,
  help: string,
  type: 'histogram' | 'counter',
  values: () => ExportValue[],
  reset: () => void,
): Metric {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
    reset,
  };
  return metric as unknown as Metric;
}

/** What the provenance gauges read at scrape time (the recorder; zeros until there is one). */
export interface ProvenanceGaugeSource {
  readonly pending: number;
  readonly lagSeconds: number;
}

/**
 * Provenance recorder metrics, registered in the app's registry. The gauges are read from
 * `source` when scraped (prom-client's collect), not set per request: a scrape during an outage
 * still shows the backlog, and the request path does not touch them.
 */
export function createProvenanceMetrics(registry: Registry) {
  let source: ProvenanceGaugeSource = { pending: 0, lagSeconds: 0 };
  return {
    /** Points the gauges at the recorder. */
    watch(s: ProvenanceGaugeSource) {
      source = s;
    },
    written: new Counter({
      name: 'provenance_written_total',
      help: 'reccom rows written to MySQL',
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'provenance_dropped_total',
      help: 'reccom rows dropped (buffer full without a spool, or recorder closed)',
      registers: [registry],
    }),
    spilled: new Counter({
      name: 'provenance_spilled_total',
      help: 'reccom rows kept in the spool only because the memory buffer was full (read back later)',
      registers: [registry],
    }),
    replayed: new Counter({
      name: 'provenance_replayed_total',
      help: 'reccom rows read back from the spool (a stopped process, or a spill)',
      registers: [registry],
    }),
    abandoned: new Counter({
      name: 'provenance_abandoned_total',
      help: 'answers the caller did not receive (it had gone), recorded with status 499',
      registers: [registry],
    }),
    buffered: new Gauge({
      name: 'provenance_buffered_rows',
      help: 'reccom rows waiting to be written',
      registers: [registry],
      collect() {
        this.set(source.pending);
      },
    }),
    lag: new Gauge({
      name: 'provenance_lag_seconds',
      help: 'age of the oldest reccom row waiting to be written (write-behind lag)',
      registers: [registry],
      collect() {
        this.set(source.lagSeconds);
      },
    }),
  };
}
export type ProvenanceMetrics = ReturnType<typeof createProvenanceMetrics>;
