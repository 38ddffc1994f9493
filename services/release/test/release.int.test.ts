// The canary controller against real inference processes (local orchestrator), a real
// Prometheus scraping them, and real alert receivers (SMTP server, webhook).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../core/logger.ts';
import { freePort } from '../../core/child-process.ts';
import { startPrometheus, type LocalPrometheus } from '../../../deploy/localstack/prometheus.ts';
import { runTraining } from '../../model/index.ts';
import { createReleaseController, ModelRefusedError, type ReleaseController } from '../controller.ts';
import { thresholdJudge } from '../judge.ts';
import { createLocalOrchestrator, scrapeTargetsOf, type LocalOrchestrator, type LocalSlot } from '../local-orchestrator.ts';
import { checkModel } from '../model-check.ts';
import { createPrometheusClient } from '../prometheus-client.ts';
import { fileStateStore } from '../state.ts';
import { sinksNotifier, startSlackReceiver, startSmtp, type SlackSink, type SmtpSink } from '../../core/testing/notify-sinks.ts';
import { startTraffic } from './traffic.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// ml-latest-small as the repo ships it in the course's clean format (slug movie ids, whole stars;
// data/sample/SOURCE.md), so the test needs nothing outside the repository (a CI runner has no shared data).
const RATINGS = join(REPO, 'data/sample/ratings.csv');
const CLEAN_HEADER = 'user_id,movie_id,rating,timestamp';
const WINDOW_MS = 15_000;
const SCRAPE_MS = 1000;
const SLOW_VERSION = 'r3';

let work: string;
let prometheus: LocalPrometheus;
let orchestrator: LocalOrchestrator;
let controller: ReleaseController;
let smtp: SmtpSink;
let slack: SlackSink;
let traffic: ReturnType<typeof startTraffic>;
let breakHookOnce = false;
let hookCalls = 0;
const log = process.env.RELEASE_TEST_LOG ? createLogger('release-int') : silentLogger;

async function servedVersion(address: string): Promise<string | null> {
  const res = await fetch(`http://${address}/recommend/1`);
  await res.body?.cancel();
  return res.headers.get('x-model-version');
}

async function modelInfo(address: string): Promise<string> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith('model_info{')).join('\n');
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'release-int-'));
  // Three tiny models from a slice of the sample (users 1-24; a few seconds each).
  const lines = readFileSync(RATINGS, 'utf8').split('\n').slice(0, 4001);
  if (lines[0] !== CLEAN_HEADER) throw new Error(`${RATINGS}: expected the clean header '${CLEAN_HEADER}', found '${lines[0]}'`);
  const ratings = join(work, 'ratings.csv');
  writeFileSync(ratings, `${lines.join('\n')}\n`);
  const modelsDir = join(work, 'models');
  for (const [version, seed] of [['r1', 1], ['r2', 2], [SLOW_VERSION, 3]] as const) {
    mkdirSync(modelsDir, { recursive: true });
    await runTraining({ ratings, holdout: 0.1, out: join(modelsDir, version), params: { factors: 8, epochs: 3, seed, threads: 1 }, version });
  }

  smtp = await startSmtp();
  slack = await startSlackReceiver();
  prometheus = await startPrometheus({ port: 0, targets: [], scrapeIntervalMs: SCRAPE_MS });

  const ports = await Promise.all(Array.from({ length: 3 }, () => freePort()));
  const slots: LocalSlot[] = [
    { name: 'stable-1', track: 'stable', port: ports[0] },
    { name: 'stable-2', track: 'stable', port: ports[1] },
    { name: 'canary', track: 'canary', port: ports[2] },
  ];
  orchestrator = createLocalOrchestrator({
    repoRoot: REPO,
    modelsDir,
    stateFile: join(work, 'local-stack.json'),
    logDir: join(work, 'logs'),
    slots,
    env: { PROVENANCE: 'off', LOG_LEVEL: 'warn' },
    // The slow candidate adds 700 ms to every /recommend, but only where it runs as the canary.
    envFor: (slot, version): Record<string, string> =>
      slot.track === 'canary' && version === SLOW_VERSION ? { INFERENCE_TEST_DELAY_MS: '700' } : {},
    onEndpointsChange: async (endpoints) => {
      hookCalls++;
      if (breakHookOnce) {
        breakHookOnce = false;
        throw new Error('reload hook broke');
      }
      await prometheus.reloadTargets(scrapeTargetsOf(endpoints));
    },
    logger: log.child('local'),
  });
  await orchestrator.up('r1');
  await prometheus.reloadTargets(scrapeTargetsOf(orchestrator.endpoints()));

  const thresholds = { maxAvgLatencyMs: 500, maxErrorRate: 0.01, minRequests: 20 };
  controller = createReleaseController({
    orchestrator,
    prometheus: createPrometheusClient(prometheus.url),
    notifier: sinksNotifier(smtp, slack),
    store: fileStateStore(join(work, 'release-state.json')),
    judge: thresholdJudge(thresholds),
    thresholds,
    reportsDir: join(work, 'releases'),
    scrapeIntervalMs: SCRAPE_MS,
    logger: log,
    checkModel: (version) => checkModel(modelsDir, version), // as the CLI wires it
  });
  // ~30 req/s over the three processes: ~10 req/s, ~150 per window, reach the canary.
  traffic = startTraffic({
    targets: () => orchestrator.endpoints().map((e) => e.address),
    perSecond: 30,
    users: Array.from({ length: 40 }, (_, i) => i + 1),
  });
}, 240_000);

afterAll(async () => {
  await traffic?.stop();
  await orchestrator?.down();
  await prometheus?.stop();
  await smtp?.close();
  await slack?.close();
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe('canary release with local processes and a real Prometheus', () => {
  it('promotes a healthy canary: all three processes end on the new version', async () => {
    const state = await controller.start('r2', WINDOW_MS);
    expect(state.decision?.reasons).toBeDefined();
    expect(state).toMatchObject({ phase: 'done', outcome: 'promoted', stableVersion: 'r1', decision: { verdict: 'pass', by: 'judge' } });
    expect(state.decision?.canary?.requests).toBeGreaterThanOrEqual(20);
    expect(state.decision?.canary?.avgLatencyMs).toBeLessThan(500);

    const endpoints = orchestrator.endpoints();
    expect(endpoints.map((e) => [e.slot, e.version])).toEqual([['stable-1', 'r2'], ['stable-2', 'r2'], ['canary', 'r2']]);
    for (const e of endpoints) {
      expect(await servedVersion(e.address)).toBe('r2');
      expect(await modelInfo(e.address)).toContain(`version="r2"`);
    }
    expect(await orchestrator.current()).toEqual({ stable: 'r2', canary: 'r2' });

    const report = readFileSync(join(state.reportDir!, 'report.md'), 'utf8');
    expect(report).toContain('verdict: **pass**');
    expect(readFileSync(join(state.reportDir!, 'latency.svg'), 'utf8')).toContain('<path d="M');

    await waitFor(() => smtp.mails.length >= 1 && slack.payloads.length >= 1);
    expect(smtp.mails[0].subject).toMatch(/release r2 promoted/);
    expect(smtp.mails[0].body).toContain('canary requests');
    expect(JSON.stringify(slack.payloads[0])).toContain('release r2 promoted');
  }, 180_000);

  it('aborts a slow canary and rolls it back, alerting by email and webhook', async () => {
    const mailsBefore = smtp.mails.length;
    const hooksBefore = slack.payloads.length;
    const state = await controller.start(SLOW_VERSION, WINDOW_MS);
    expect(state).toMatchObject({ phase: 'done', outcome: 'aborted', stableVersion: 'r2', decision: { verdict: 'fail' } });
    expect(state.decision?.canary?.avgLatencyMs).toBeGreaterThanOrEqual(700);
    expect(state.decision?.stable?.avgLatencyMs).toBeLessThan(500);
    expect(state.decision?.reasons.join(' ')).toMatch(/average latency \d+(\.\d)? ms >= limit 500 ms/);

    const endpoints = orchestrator.endpoints();
    expect(endpoints.map((e) => e.version)).toEqual(['r2', 'r2', 'r2']);
    for (const e of endpoints) expect(await servedVersion(e.address)).toBe('r2');

    await waitFor(() => smtp.mails.length > mailsBefore && slack.payloads.length > hooksBefore);
    const mail = smtp.mails[mailsBefore];
    expect(mail.subject).toMatch(/FAILED: .*release r3 aborted \(fail\)/);
    expect(mail.body).toContain('average latency');
    expect(JSON.stringify(slack.payloads[hooksBefore])).toContain('release r3 aborted');
    const stats = await traffic.stop();
    traffic = startTraffic({ targets: () => [], perSecond: 1, users: [1] });
    expect(stats.byVersion[SLOW_VERSION]).toBeGreaterThan(0);
  }, 180_000);

  it('recreates a slot at its fixed address, and announces it again when an earlier call failed to', async () => {
    const before = orchestrator.endpoints().find((e) => e.slot === 'canary')!;
    breakHookOnce = true;
    await expect(orchestrator.deployCanary('r1')).rejects.toThrow(/reload hook broke/);
    // The new process runs at the slot's one address (NGINX's upstreams never change).
    const recorded = JSON.parse(readFileSync(join(work, 'local-stack.json'), 'utf8')).slots.canary;
    expect(recorded).toMatchObject({ version: 'r1', port: Number(before.address.split(':')[1]) });
    expect(await servedVersion(before.address)).toBe('r1');
    const announced = hookCalls;
    await orchestrator.deployCanary('r1');
    expect(hookCalls).toBe(announced + 1);
    expect(orchestrator.endpoints().find((e) => e.slot === 'canary')).toEqual({ ...before, version: 'r1' });
    await orchestrator.rollbackCanary(before.version);
    expect(await servedVersion(before.address)).toBe(before.version);
  }, 60_000);

  it('keeps the old canary serving when the new model cannot be loaded, and says why', async () => {
    const before = orchestrator.endpoints().find((e) => e.slot === 'canary')!;
    const pid = JSON.parse(readFileSync(join(work, 'local-stack.json'), 'utf8')).slots.canary.pid as number;
    // A truncated artifact: refused before the old process is stopped.
    const broken = join(work, 'models', 'broken');
    cpSync(join(work, 'models', 'r1'), broken, { recursive: true });
    truncateSync(join(broken, 'model.bin'), 100);
    await expect(orchestrator.deployCanary('broken')).rejects.toThrow(/model broken cannot be served .*truncated/);
    await expect(orchestrator.deployCanary('nope')).rejects.toThrow(/model nope not found/);
    expect(orchestrator.endpoints().find((e) => e.slot === 'canary')).toEqual(before);
    expect(JSON.parse(readFileSync(join(work, 'local-stack.json'), 'utf8')).slots.canary.pid).toBe(pid);
    expect(await servedVersion(before.address)).toBe(before.version);
  }, 60_000);

  it('refuses an altered model before touching any process, and alerts', async () => {
    const before = JSON.parse(readFileSync(join(work, 'local-stack.json'), 'utf8'));
    const altered = join(work, 'models', 'altered');
    cpSync(join(work, 'models', 'r1'), altered, { recursive: true });
    const bytes = readFileSync(join(altered, 'model.bin'));
    bytes[200] ^= 0xff; // same size, different md5
    writeFileSync(join(altered, 'model.bin'), bytes);
    const mailsBefore = smtp.mails.length;
    const err = await controller.start('altered', WINDOW_MS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelRefusedError);
    expect((err as Error).message).toMatch(/release of altered refused, nothing was changed: .*has md5 [0-9a-f]+ but the manifest says/);
    expect(JSON.parse(readFileSync(join(work, 'local-stack.json'), 'utf8'))).toEqual(before);
    expect(controller.status()?.phase).toBe('done'); // the previous release's record, untouched
    await waitFor(() => smtp.mails.length > mailsBefore);
    expect(smtp.mails[mailsBefore].subject).toMatch(/release altered REFUSED/);
  });

  it('a promotion moves the canary too when it was not on the promoted version', async () => {
    const canaryBefore = orchestrator.endpoints().find((e) => e.slot === 'canary')!.version;
    const target = canaryBefore === 'r1' ? 'r2' : 'r1';
    await orchestrator.promote(target);
    const endpoints = orchestrator.endpoints();
    expect(endpoints.map((e) => e.version)).toEqual([target, target, target]);
    for (const e of endpoints) expect(await servedVersion(e.address)).toBe(target);
  }, 90_000);

  it('reports a Prometheus error with the query', { timeout: 30_000 }, async () => {
    const client = createPrometheusClient(prometheus.url);
    await expect(client.query('sum(rate(', Date.now() / 1000)).rejects.toThrow(/bad_data[\s\S]*query: sum\(rate\(/);
    await expect(createPrometheusClient('http://127.0.0.1:1').query('up', 0)).rejects.toThrow(/unreachable/);
    // Prometheus applies a new target set up to 5 s after a reload, so a replaced canary's old
    // target can still answer right after the tests above; wait for the current three.
    await expect
      .poll(async () => (await client.query('up{job="inference"}', Date.now() / 1000)).map((u) => u.metric.replica).sort(), {
        timeout: 20_000,
        interval: 500,
      })
      .toEqual(['canary', 'stable-1', 'stable-2']);
  });
});

async function waitFor(ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the notifications');
    await sleep(100);
  }
}
