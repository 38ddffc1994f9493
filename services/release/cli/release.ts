// `npm run release -- --model <version> [--window 30s]`  canary → observe → judge → promote | abort
// `npm run release -- --model <version> --steps 5,20,50`  stepped: baseline + canary, analysis per step
// `npm run release -- --status | --resume | --abort | --promote [--reason "..."]`
// `npm run release -- --up <version> | --down`          (local orchestrator: start/stop the processes)
// Exit codes: 0 promoted (or command done), 3 aborted, 1 a step failed, 2 bad usage or config, or
// another controller is driving the release, 4 the model failed its check (missing, altered):
// refused before anything changed (the codes' statuses, services/core/errors.ts), 5 a stepped
// release paused (inconclusive: decide with --resume, --promote or --abort).
import { dirname, resolve } from 'node:path';
import { parseArgs, UsageError } from '../../core/args.ts';
import { runCli } from '../../core/cli.ts';
import { MarqueeError } from '../../core/errors.ts';
import { acquirePidLock } from '../../core/pid-lock.ts';
import { attachNginx } from '../../../deploy/localstack/nginx.ts';
import { attachPrometheus } from '../../../deploy/localstack/prometheus.ts';
import { setProductionWeights } from '../../../deploy/config/topology.ts';
import { createLogger, type Logger } from '../../core/logger.ts';
import { createNotifiers, notifyAll, notifyConfigFromEnv } from '../../core/notify/index.ts';
import { buildInputsHash } from '../build-inputs.ts';
import { createComposeOrchestrator } from '../compose-orchestrator.ts';
import { createEngineClient } from '../engine-api.ts';
import { checkModel } from '../model-check.ts';
import { readFeedbackWindows } from '../online/feedback-from-prometheus.ts';
import { judgeOf, releaseConfigFromEnv, stepsFromFlag, thresholdsOf, type ReleaseConfig } from '../config.ts';
import { createReleaseController } from '../controller.ts';
import { formatDuration, parseDuration } from '../duration.ts';
import { createLocalOrchestrator, defaultSlots, scrapeTargetsOf, slotUpstreams, type LocalOrchestrator } from '../local-orchestrator.ts';
import type { Orchestrator } from '../orchestrator.ts';
import { createPrometheusClient } from '../prometheus-client.ts';
import { fileStateStore, type ReleaseState } from '../state.ts';
import { planToRun, steppedRelease } from './stepped.ts';

/** Exit statuses a release ends with besides 0 and the errors' (services/core/errors.ts). */
const EXIT_ABORTED = 3;
const EXIT_PAUSED = 5;

const USAGE = `usage: npm run release -- --model <version> [--window 30s]
       npm run release -- --model <version> --steps 5,20,50   (or RELEASE_STEPS; stepped, RELEASE_INTERVAL per analysis)
       npm run release -- --status | --resume | --abort [--reason text] | --promote [--reason text]
       npm run release -- --up <version> | --down        (RELEASE_ORCHESTRATOR=local only)`;

function localOrchestrator(c: ReleaseConfig, log: Logger): LocalOrchestrator {
  const nginxDir = c.RELEASE_LOCAL_NGINX_DIR;
  const promDir = c.RELEASE_LOCAL_PROMETHEUS_DIR;
  const slots = defaultSlots(c.RELEASE_LOCAL_BASE_PORT);
  return createLocalOrchestrator({
    repoRoot: process.cwd(),
    modelsDir: resolve(c.MODELS_DIR),
    stateFile: resolve(c.RELEASE_LOCAL_STACK),
    slots,
    logger: log.child('local'),
    // A local NGINX / Prometheus started detached (scripts/services) follow the processes.
    async onEndpointsChange(endpoints) {
      if (nginxDir) {
        const nginx = attachNginx(resolve(nginxDir));
        if (!nginx) throw new MarqueeError('PROCESS', `no local NGINX running from ${nginxDir} (RELEASE_LOCAL_NGINX_DIR)`);
        // The slots' fixed addresses: reloaded only if NGINX was started with other upstreams.
        await nginx.reload(slotUpstreams(slots));
      }
      if (promDir) {
        const prometheus = attachPrometheus(resolve(promDir));
        if (!prometheus) throw new MarqueeError('PROCESS', `no local Prometheus running from ${promDir} (RELEASE_LOCAL_PROMETHEUS_DIR)`);
        await prometheus.reloadTargets(scrapeTargetsOf(endpoints));
      }
    },
    // Weights change without a reload (the weights directory NGINX reads per request).
    async onWeightsChange(weights) {
      if (!nginxDir) return;
      const nginx = attachNginx(resolve(nginxDir));
      if (!nginx) throw new MarqueeError('PROCESS', `no local NGINX running from ${nginxDir} (RELEASE_LOCAL_NGINX_DIR)`);
      nginx.setWeights(weights);
    },
  });
}

function describe(s: ReleaseState | null): string {
  if (!s) return 'no release recorded';
  const lines = [
    `release ${s.id}: ${s.stableVersion} → ${s.version}`,
    `  phase: ${s.phase}${s.outcome ? ` (${s.outcome})` : ''}, window ${formatDuration(s.windowMs)}, started ${s.startedAt}`,
  ];
  if (s.observeStartedAt && s.phase === 'observing') {
    const left = Date.parse(s.observeStartedAt) + s.windowMs - Date.now();
    lines.push(`  observing since ${s.observeStartedAt}, ${left > 0 ? `${formatDuration(left)} left` : 'window over'}`);
  }
  if (s.decision) lines.push(`  decision (${s.decision.by}): ${s.decision.verdict} — ${s.decision.reasons.join('; ')}`);
  if (s.lastError) lines.push(`  last error while ${s.lastError.phase}: ${s.lastError.message}`);
  const r = s.rollout;
  if (r) {
    const at = r.stepIndex < r.plan.steps.length ? `step ${r.stepIndex + 1} of ${r.plan.steps.length} (canary ${r.plan.steps[r.stepIndex]} %)` : 'all steps done';
    lines.push(`  ${at}: ${r.run.status}, ${r.run.intervals} intervals — ${r.run.reason}`);
    if (s.phase === 'paused') lines.push('  paused: decide with --resume, --promote or --abort');
  }
  if (s.reportDir) lines.push(`  report: ${s.reportDir}/report.md`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    model: 'string',
    window: 'string',
    steps: 'string',
    status: 'boolean',
    resume: 'boolean',
    abort: 'boolean',
    promote: 'boolean',
    reason: 'string',
    up: 'string',
    down: 'boolean',
  });
  const commands = ['model', 'status', 'resume', 'abort', 'promote', 'up', 'down'].filter((k) => args[k] !== undefined);
  if (commands.length !== 1) throw new UsageError('choose exactly one of --model, --status, --resume, --abort, --promote, --up, --down');
  const command = commands[0];
  if (args.steps !== undefined && command !== 'model') throw new UsageError('--steps goes with --model');
  if (args.steps !== undefined && args.window !== undefined) throw new UsageError('--window is the single-window release; a stepped one uses RELEASE_INTERVAL');
  const steps = typeof args.steps === 'string' ? stepsFromFlag(args.steps) : undefined;

  const c = releaseConfigFromEnv();
  const log = createLogger('release');
  const store = fileStateStore(resolve(c.RELEASE_STATE));
  if (command === 'status') {
    process.stdout.write(`${describe(store.load())}\n`);
    return 0;
  }
  if (command === 'up' || command === 'down') {
    if (c.RELEASE_ORCHESTRATOR !== 'local') throw new UsageError(`--${command} needs RELEASE_ORCHESTRATOR=local`);
    const local = localOrchestrator(c, log);
    if (command === 'down') await local.down();
    else for (const e of await local.up(String(args.up))) process.stdout.write(`${e.slot} ${e.track} ${e.address} ${e.version}\n`);
    return 0;
  }

  const orchestrator: Orchestrator =
    c.RELEASE_ORCHESTRATOR === 'local'
      ? localOrchestrator(c, log)
      : createComposeOrchestrator({
          composeCommand: c.RELEASE_COMPOSE_COMMAND,
          composeFile: c.RELEASE_COMPOSE_FILE,
          projectName: c.RELEASE_COMPOSE_PROJECT,
          envFile: resolve(c.RELEASE_COMPOSE_ENV_FILE),
          build: c.RELEASE_COMPOSE_BUILD,
          // The release runs from the checkout the image is built from (docker-compose.yml's context).
          buildInputs: c.RELEASE_COMPOSE_BUILD ? buildInputsHash(process.cwd()) : undefined,
          engine: createEngineClient(c.DOCKER_HOST),
          healthTimeoutMs: c.RELEASE_HEALTH_TIMEOUT,
          // The weight steps beside the compose file (var/nginx-weights, bind-mounted into nginx).
          applyWeights: async (weights) => void setProductionWeights(dirname(resolve(c.RELEASE_COMPOSE_FILE ?? 'docker-compose.yml')), weights),
          logger: log.child('compose'),
        });
  const notifiers = createNotifiers(notifyConfigFromEnv(), log.child('notify'));
  const prometheus = createPrometheusClient(c.PROMETHEUS_URL);
  // Stepped when a new release asks (--steps, RELEASE_STEPS) or when the release on record is stepped.
  const plan = planToRun(c, command === 'model' ? (steps ?? c.RELEASE_STEPS) : undefined, store.load());
  const stepped = plan ? steppedRelease(c, plan, prometheus, log) : null;
  try {
    return await drive(command, args, c, { orchestrator, prometheus, notifiers, store, stepped, log });
  } finally {
    await stepped?.close();
  }
}

interface Wiring {
  orchestrator: Orchestrator;
  prometheus: ReturnType<typeof createPrometheusClient>;
  notifiers: ReturnType<typeof createNotifiers>;
  store: ReturnType<typeof fileStateStore>;
  stepped: ReturnType<typeof steppedRelease> | null;
  log: Logger;
}

async function drive(command: string, args: Record<string, string | boolean | undefined>, c: ReleaseConfig, w: Wiring): Promise<number> {
  const { orchestrator, prometheus, notifiers, store, stepped, log } = w;
  const controller = createReleaseController({
    orchestrator,
    prometheus,
    measurer: stepped?.measurer,
    rollout: stepped?.rollout,
    // The pipeline worker's feedback-loop gauges over the release, for the stepped report.
    feedback: stepped ? (fromMs, toMs) => readFeedbackWindows(prometheus, fromMs, toMs) : undefined,
    notifier: { notify: (n) => notifyAll(notifiers, n, log.child('notify')) },
    store,
    judge: judgeOf(c),
    thresholds: thresholdsOf(c),
    reportsDir: resolve(c.RELEASE_REPORTS_DIR),
    scrapeIntervalMs: c.PROMETHEUS_SCRAPE_INTERVAL,
    logger: log,
    checkModel: (version) => checkModel(resolve(c.MODELS_DIR), version),
  });
  const reason = typeof args.reason === 'string' ? args.reason : undefined;
  let result: ReleaseState;
  if (command === 'model' || command === 'resume') {
    // One driving controller at a time. --abort / --promote stay possible meanwhile: the running
    // controller sees the decision at its next progress tick and steps aside.
    const lockPath = `${resolve(c.RELEASE_STATE)}.lock`;
    const lock = acquirePidLock(lockPath, (pid) => `another release controller (pid ${pid}) is running; use --status, --abort or --promote`);
    try {
      // A stepped release records its planned length as its window (shown by --status).
      const windowMs = stepped
        ? stepped.rollout.steps.length * stepped.rollout.limits.intervals * stepped.rollout.intervalMs
        : typeof args.window === 'string' ? parseDuration(args.window) : c.RELEASE_WINDOW;
      result = command === 'model' ? await controller.start(String(args.model), windowMs) : await controller.resume();
    } finally {
      lock.release();
    }
  } else if (command === 'abort') result = await controller.abort(reason);
  else result = await controller.promote(reason);
  process.stdout.write(`${describe(result)}\n`);
  if (result.phase === 'paused') return EXIT_PAUSED;
  return result.outcome === 'aborted' ? EXIT_ABORTED : 0;
}

runCli('release', USAGE, main);
