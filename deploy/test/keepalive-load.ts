// Steady keep-alive load for the NGINX weight tests: a node:http Agent that reuses connections
// and never retries (a reset reaches the caller, as it would reach the course simulator), sending
// at a fixed rate and recording, per phase, every answer's status and track and every client error.
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalNginx, SplitWeights } from '../localstack/nginx.ts';

export interface PhaseResult {
  /** Requests of this phase carry X-Request-Id `load-<id>-<n>`, to find them in NGINX's log. */
  id: number;
  sent: number;
  statuses: Record<number, number>;
  tracks: Record<string, number>;
  /** Client-side failures by code (ECONNRESET, 'socket hang up' as ECONNRESET too, ...). */
  errors: Record<string, number>;
}

export interface KeepAliveLoad {
  /** Requests sent from now on count in a new phase; returns the finished one (late answers still land in it). */
  nextPhase(): PhaseResult;
  /** Stops sending, waits for every answer, returns the last phase. */
  stop(): Promise<PhaseResult>;
}

let phases = 0;
const emptyPhase = (): PhaseResult => ({ id: phases++, sent: 0, statuses: {}, tracks: {}, errors: {} });
const bump = (m: Record<string | number, number>, k: string | number) => (m[k] = (m[k] ?? 0) + 1);

export function startKeepAliveLoad(url: string, perSecond: number): KeepAliveLoad {
  const agent = new Agent({ keepAlive: true });
  let phase = emptyPhase();
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const done = () => {
    if (--inFlight === 0) drained?.();
  };
  const send = (p: PhaseResult, i: number) => {
    p.sent++;
    inFlight++;
    const headers = { 'X-Request-Id': `load-${p.id}-${i}` };
    const req = request(`${url}/recommend/${i}`, { agent, headers }, (res) => {
      bump(p.statuses, res.statusCode ?? 0);
      bump(p.tracks, String(res.headers['x-serving-track'] ?? 'none'));
      res.resume();
      res.on('end', done);
      res.on('error', (err: NodeJS.ErrnoException) => (bump(p.errors, err.code ?? err.message), done()));
    });
    req.on('error', (err: NodeJS.ErrnoException) => (bump(p.errors, err.code ?? err.message), done()));
    req.end();
  };
  // Catch up from the clock rather than trusting setInterval's period.
  const start = performance.now();
  let n = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) * perSecond) / 1000);
    while (n < due) send(phase, n++);
  }, 2);
  return {
    nextPhase() {
      const finished = phase;
      phase = emptyPhase();
      return finished;
    },
    async stop() {
      clearInterval(timer);
      if (inFlight > 0) await new Promise<void>((r) => (drained = r));
      agent.destroy();
      return phase;
    },
  };
}

export const RATE = 200;
export const STEP_MS = 1000;
// Requests sent this soon after a change may be routed by either split: not counted in a share.
const SETTLE_MS = 50;
/** Unmeasured time between a measured phase and the next change (see walk). */
const DRAIN_MS = 250;

/** A release walk: 90/5/5 → 60/20/20 → 0/50/50 → canary promoted, a rollback, uneven ratios. */
export const STEPS: SplitWeights[] = [
  { stable: 90, baseline: 5, canary: 5 },
  { stable: 60, baseline: 20, canary: 20 },
  { stable: 0, baseline: 50, canary: 50 },
  { stable: 0, baseline: 0, canary: 100 },
  { stable: 100, baseline: 0, canary: 0 },
  { stable: 4, canary: 1 },
  { stable: 1, baseline: 1, canary: 1 },
  { stable: 95, baseline: 5, canary: 0 },
  { stable: 50, baseline: 25, canary: 25 },
  { stable: 90, baseline: 5, canary: 5 },
];

/** Runs the load across STEPS; `change` applies one and returns the whole-percent split to expect. */
export async function walk(nginx: LocalNginx, change: (w: SplitWeights) => Promise<Record<string, number>>) {
  const load = startKeepAliveLoad(nginx.url, RATE);
  const all: PhaseResult[] = [];
  const measured: Array<{ expected: Record<string, number>; phase: PhaseResult }> = [];
  await sleep(STEP_MS);
  for (const w of STEPS) {
    // Requests sent just before the change may reach NGINX after it (a busy host delays a worker):
    // the phase before a change runs DRAIN_MS unmeasured, so the measured one ends well before it.
    await sleep(DRAIN_MS);
    all.push(load.nextPhase());
    const expected = await change(w);
    await sleep(SETTLE_MS);
    all.push(load.nextPhase()); // the transition
    await sleep(STEP_MS);
    const phase = load.nextPhase();
    all.push(phase);
    measured.push({ expected, phase });
  }
  all.push(await load.stop());
  const sum = (pick: (p: PhaseResult) => Record<string | number, number>) => {
    const out: Record<string, number> = {};
    for (const p of all) for (const [k, v] of Object.entries(pick(p))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return { sent: all.reduce((n, p) => n + p.sent, 0), statuses: sum((p) => p.statuses), errors: sum((p) => p.errors), measured };
}

