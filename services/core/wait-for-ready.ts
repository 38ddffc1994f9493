// Waiting for a process that has just been started to be ready: asking it again and again until
// it answers as wanted. Fails at once, with the reason, when the process dies first, rather than
// waiting out the timeout; on timeout, says what the last try saw.
import { setTimeout as sleep } from 'node:timers/promises';
import { MarqueeError } from './errors.ts';

export interface ReadyWait {
  timeoutMs: number;
  /** What is waited for, in messages ("nginx at http://...", "mariadbd (port 3307)"). */
  what: string;
  /** Returns a reason when the process has died, to fail at once instead of timing out. */
  died?: () => string | undefined;
  /** Pause between tries; default 100 ms (a benchmark timing start-up wants it finer). */
  intervalMs?: number;
}

/** Resolves once `probe` answers true; a string it answers (or throws) is why it is not ready yet. */
export async function waitUntilReady(probe: () => Promise<true | string>, o: ReadyWait): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let last: string;
  for (;;) {
    const dead = o.died?.();
    if (dead) throw new MarqueeError('PROCESS', `${o.what} exited before it was ready: ${dead}`);
    try {
      const answer = await probe();
      if (answer === true) return;
      last = answer;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new MarqueeError('PROCESS', `${o.what} not ready after ${o.timeoutMs} ms (${last})`);
    await sleep(o.intervalMs ?? 100);
  }
}

export interface HttpWait extends ReadyWait {
  /** Accept this answer as ready; default: HTTP 200. */
  accept?: (status: number, body: string, headers: Headers) => boolean;
  /** Why an answer is not accepted, for the timeout message; default its status and first words. */
  describe?: (status: number, body: string, headers: Headers) => string;
  /** Limit of one try; default 1 s. */
  requestTimeoutMs?: number;
}

/** waitUntilReady for an HTTP answer from `url` (`what` is followed by "at <url>" in messages). */
export function waitForHttp(url: string, o: HttpWait): Promise<void> {
  const accept = o.accept ?? ((status) => status === 200);
  const describe = o.describe ?? ((status, body) => `HTTP ${status} ${body.slice(0, 120).trim()}`);
  return waitUntilReady(
    async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(o.requestTimeoutMs ?? 1000), headers: { connection: 'close' } });
      const body = await res.text();
      return accept(res.status, body, res.headers) || describe(res.status, body, res.headers);
    },
    { ...o, what: `${o.what} at ${url}` },
  );
}
