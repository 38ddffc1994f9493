// The shipper's Prometheus metrics, read from its counters at scrape time.
import { collectDefaultMetrics, Counter, Gauge, type Registry } from 'prom-client';
import type { ProvenanceShipper } from './shipper.ts';

export function registerShipperMetrics(registry: Registry, shipper: ProvenanceShipper): void {
  collectDefaultMetrics({ register: registry });
  const c = shipper.counters;
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter('provenance_shipped_total', 'reccom rows written from NGINX provenance log', () => c.shipped);
  counter('provenance_shipper_bad_lines_total', 'Lines of the provenance log that are not rows (skipped and logged)', () => c.badLines);
  counter('provenance_shipper_write_failures_total', 'Failed MySQL writes (the rows stay in the log for a retry)', () => c.failures);
  counter('provenance_shipper_rotations_total', 'Rotations of the provenance log', () => c.rotations);
  new Gauge({
    name: 'provenance_shipper_lag_seconds',
    help: 'Seconds since the shipper was last at the end of the provenance log (0 while caught up)',
    registers: [registry],
    collect() {
      this.set(shipper.lagSeconds);
    },
  });
}
