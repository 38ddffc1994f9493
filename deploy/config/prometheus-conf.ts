// Renders prometheus.yml. One renderer for production (monitoring/prometheus.yml, generated from
// PRODUCTION_PROMETHEUS in topology.ts) and the local Prometheus the tests start.
import { stringify } from 'yaml';
import { MarqueeError } from '../../services/core/errors.ts';

/**
 * No `track` target label: the replicas label their own series with the track they serve, and
 * a target label of the same name would push theirs aside as `exported_track`.
 */
export interface ScrapeTarget {
  address: string; // host:port
  job: string;
  /** Replica name, e.g. `stable-1`; becomes the `replica` label. */
  replica?: string;
}

export interface PrometheusConfOptions {
  scrapeIntervalMs: number;
  targets: ScrapeTarget[];
  /** Prometheus's own address, scraped as job `prometheus`; omitted when undefined. */
  self?: string;
  metricsPath?: string;
  /** Paths of rule files (alerting rules) as Prometheus sees them; no `rule_files` when absent. */
  ruleFiles?: string[];
  header?: string;
}

/** Prometheus duration text for a whole number of milliseconds (`5s`, `500ms`). */
export function promDurationText(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`duration must be a positive whole number of ms, got ${ms}`);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export function renderPrometheusYml(o: PrometheusConfOptions): string {
  // A scrape must finish before the next one starts; 80 % of the interval leaves slack.
  const timeoutMs = Math.max(1, Math.floor(o.scrapeIntervalMs * 0.8));
  const jobs = new Map<string, ScrapeTarget[]>();
  for (const t of o.targets) {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(t.address)) throw new MarqueeError('INPUT', `scrape target '${t.address}' is not host:port`);
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(t.job)) throw new MarqueeError('INPUT', `job name '${t.job}' is not a plain identifier`);
    jobs.set(t.job, [...(jobs.get(t.job) ?? []), t]);
  }
  const scrapeConfigs = [...jobs].map(([job, targets]) => ({
    job_name: job,
    metrics_path: o.metricsPath ?? '/metrics',
    // One static config per target so each carries its own replica label.
    static_configs: targets.map((t) => (t.replica ? { targets: [t.address], labels: { replica: t.replica } } : { targets: [t.address] })),
  }));
  if (o.self) scrapeConfigs.push({ job_name: 'prometheus', metrics_path: '/metrics', static_configs: [{ targets: [o.self] }] });
  const doc = {
    global: {
      scrape_interval: promDurationText(o.scrapeIntervalMs),
      scrape_timeout: promDurationText(timeoutMs),
      evaluation_interval: promDurationText(o.scrapeIntervalMs),
    },
    ...(o.ruleFiles?.length ? { rule_files: o.ruleFiles } : {}),
    scrape_configs: scrapeConfigs,
  };
  const header = o.header ? o.header.replace(/^/gm, '# ') + '\n' : '';
  return header + stringify(doc, { lineWidth: 0 });
}
