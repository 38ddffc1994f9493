// monitoring/prometheus.yml scrapes every inference replica of the compose file with its replica
// label (the track label is the replicas' own), the pipeline worker, cAdvisor and Prometheus
// itself, often enough for canary analysis, and loads the alerting rules.
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseCompose, readRepo } from './repo.ts';

interface Job {
  job_name: string;
  metrics_path?: string;
  static_configs: Array<{ targets: string[]; labels?: Record<string, string> }>;
}
const prom = parse(readRepo('monitoring/prometheus.yml')) as { global: Record<string, string>; rule_files?: string[]; scrape_configs: Job[] };
const compose = parseCompose();
const job = (name: string) => prom.scrape_configs.find((j) => j.job_name === name);

describe('monitoring/prometheus.yml', () => {
  it('scrapes every 5 s', () => {
    expect(prom.global.scrape_interval).toBe('5s');
  });

  it('scrapes each inference replica with its replica label and no track label of its own', () => {
    const targetsOf = (name: string) => job(name)?.static_configs.flatMap((c) => c.targets.map((t) => ({ t, labels: c.labels ?? {} }))) ?? [];
    const hosts = (ts: Array<{ t: string }>) => ts.map((x) => x.t.split(':')[0]).sort();
    const inference = Object.keys(compose.services).filter((n) => n.startsWith('inference-'));
    // Replicas only a release starts (a Compose profile) have their own job: the replica-down
    // alert (job="inference") must not fire while they are off.
    const trial = inference.filter((n) => compose.services[n].profiles);
    expect(hosts(targetsOf('inference'))).toEqual(inference.filter((n) => !trial.includes(n)).sort());
    expect(hosts(targetsOf('inference-trial'))).toEqual(trial.sort());
    const targets = [...targetsOf('inference'), ...targetsOf('inference-trial')];
    for (const { t, labels } of targets) {
      const [host, port] = t.split(':');
      const env = compose.services[host].environment ?? {};
      // a target label `track` would rename the app's own to exported_track
      expect(labels.track, t).toBeUndefined();
      expect(labels.replica, t).toMatch(new RegExp(`^${env.TRACK}`));
      expect(port).toBe(env.PORT);
    }
    expect(new Set(targets.map((x) => x.labels.replica)).size).toBe(targets.length);
  });

  it('scrapes the pipeline worker\'s metrics endpoint', () => {
    expect(job('pipeline')?.static_configs).toEqual([{ targets: ['worker:9464'] }]);
  });

  it('loads the alerting rules from where the compose file mounts monitoring/alerts.yml', () => {
    expect(prom.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
  });

  it('scrapes cAdvisor and itself', () => {
    expect(job('cadvisor')?.static_configs[0].targets).toEqual(['cadvisor:8080']);
    expect(compose.services.cadvisor).toBeDefined();
    expect(job('prometheus')?.static_configs[0].targets).toEqual(['localhost:9090']);
  });
});
