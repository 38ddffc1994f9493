// The provenance shipper process: NGINX's provenance log -> reccom (shipper.ts), GET /metrics.
//   tsx services/provenance/shipper/main.ts     (config from env: see config.ts)
// SIGTERM/SIGINT: ship what MySQL takes within a few seconds, then exit 0; the rest stays in the
// log for the next start.
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { exitOnError } from '../../core/cli.ts';
import { createPool } from '../../core/db/connection.ts';
import { createLogger } from '../../core/logger.ts';
import { hostCpuPressure } from '../../core/provenance/cpu-pressure.ts';
import { mysqlRowSink } from '../../core/provenance/row-sink.ts';
import { loadShipperConfig, type ShipperConfig } from './config.ts';
import { registerShipperMetrics } from './metrics.ts';
import { ProvenanceShipper } from './shipper.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const log = createLogger('provenance-shipper');

let config: ShipperConfig;
try {
  config = loadShipperConfig(process.env, REPO_ROOT);
} catch (err) {
  exitOnError('provenance-shipper', err);
}

const pressure = config.maxDeferMs > 0 ? hostCpuPressure({ threshold: config.deferCpu, onUnavailable: (reason) => log.warn(reason) }) : undefined;
const shipper = new ProvenanceShipper({
  log: config.log,
  checkpoint: config.position,
  sink: mysqlRowSink(createPool(config.mysql)),
  batchSize: config.batchSize,
  rotateBytes: config.rotateBytes,
  nginxPidFile: config.nginxPidFile,
  pressure,
  maxDeferMs: config.maxDeferMs,
  logger: log,
});
shipper.start(config.intervalMs);

const registry = new Registry();
registerShipperMetrics(registry, shipper);
const server =
  config.metricsPort > 0
    ? createServer((req, res) => {
        if (req.method === 'GET' && req.url === '/metrics') {
          void registry.metrics().then((text) => {
            res.setHeader('Content-Type', registry.contentType);
            res.end(text);
          });
        } else {
          res.statusCode = req.url === '/healthz' ? 200 : 404;
          res.end(res.statusCode === 200 ? 'ok' : 'not found');
        }
      }).listen(config.metricsPort, config.metricsHost)
    : null;
log.info('shipping', { log: config.log, position: config.position, metricsPort: config.metricsPort });

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info('stopping', { signal });
  server?.close();
  pressure?.stop();
  await shipper.close(5000);
  log.info('stopped', { shipped: shipper.counters.shipped });
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
