// `npm run pipeline -- --once [--from-file FILE] [--json]`: one pipeline run (collect, clean, train,
// gate, version, publish, track, notify). Exit 0 published, 3 stopped by the gate, 1 failed, 2 bad usage/config.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, UsageError } from '../../core/args.ts';
import { runCli } from '../../core/cli.ts';
import { createLogger } from '../../core/logger.ts';
import { createNotifiers } from '../../core/notify/notifiers.ts';
import { loadPipelineConfig } from '../run/config.ts';
import { defaultDeps } from '../run/deps.ts';
import { runPipeline } from '../run/run-pipeline.ts';
import { exitCodeFor } from '../run/summary.ts';

const USAGE = `usage: npm run pipeline -- --once [--from-file FILE] [--json]
  --once            run the pipeline once (the worker, \`npm run worker\`, runs it on a schedule)
  --from-file FILE  read log lines from FILE ('-' for stdin) instead of the Kafka topic
  --json            print the run summary as JSON on stdout (logs go to stderr)
configuration: environment variables, see services/pipeline/run/README.md (DVC_REMOTE is required)`;

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { once: 'boolean', 'from-file': 'string', json: 'boolean' });
  if (!args.once) throw new UsageError('--once is required');
  const fromFile = typeof args['from-file'] === 'string' ? args['from-file'] : undefined;
  if (fromFile && fromFile !== '-' && !existsSync(resolve(fromFile))) throw new UsageError(`--from-file ${fromFile}: no such file`);
  const cfg = loadPipelineConfig();

  const json = Boolean(args.json);
  const logger = createLogger('pipeline', {
    file: cfg.logFile,
    write: json ? (line) => process.stderr.write(line) : undefined,
  });
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      logger.warn('signal received: stopping at the next step boundary', { signal: sig });
      controller.abort(new Error(`${sig} received`));
    });
  }

  const summary = await runPipeline(cfg, {
    deps: defaultDeps,
    logger,
    notifiers: createNotifiers(cfg.notify, logger.child('notify')),
    fromFile: fromFile && fromFile !== '-' ? resolve(fromFile) : fromFile,
    signal: controller.signal,
  });
  if (json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return exitCodeFor(summary);
}

runCli('pipeline', USAGE, main);
