// The serving benchmark's fixed-rate load generator, run in its own process (forked by serving.ts,
// or by hand: see below) so that its own work and GC pauses do not share an event loop with the
// benchmark's bookkeeping, and lean so that it adds as little latency as it can:
//  - raw keep-alive TCP sockets (no http.Agent, no ClientRequest/IncomingMessage objects);
//  - every request's bytes built before the clock starts (random known users drawn in advance);
//  - open loop: request j is due at start + j/rate whether or not earlier ones were answered; a
//    request that finds every connection busy waits in a queue, and that wait counts;
//  - latency is timed from the request's planned send time (not from when it was written), so any
//    lateness of the generator or a stalled server is charged, never hidden (no coordinated omission).
// The answers are parsed just enough to find their end (Content-Length) and status.
//
//   node --import tsx scripts/bench/_paced-load.ts <port> <rate> <seconds> [warmSeconds] [maxUserId]
// prints p50/p99/max for random users 1..maxUserId (default 610). serving.ts forks it and exchanges
// messages instead (PacedRequest -> PacedResult).
import { connect, type Socket } from 'node:net';

export interface PacedRequest {
  host: string;
  port: number;
  rate: number;
  seconds: number;
  /** An unmeasured run at the same rate first (JIT, connections, caches on both sides). */
  warmSeconds: number;
  /** User ids to draw from, uniformly at random. */
  users: Int32Array;
  connections: number;
}

export interface PacedResult {
  /** Per 200 response, ms from its planned send time to the end of its body, in send order. */
  latencies: Float64Array;
  requests: number;
  non2xx: number;
  errors: number;
  /** Wall time from the first planned send to the last answer, s. */
  elapsed: number;
  /** The generator's own CPU time over the measured run, ms (user + system). */
  cpuMs: number;
  /** ... and over its whole life so far (start-up and warm-up included), ms. */
  totalCpuMs: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i;

interface Conn {
  socket: Socket;
  /** Index of the request in flight on it, or -1 when idle. */
  busy: number;
  pending: Buffer | null;
}

function buildRequests(host: string, port: number, users: Int32Array, count: number): Buffer[] {
  const out = new Array<Buffer>(count);
  for (let j = 0; j < count; j++) {
    const id = users[Math.floor(Math.random() * users.length)];
    out[j] = Buffer.from(`GET /recommend/${id} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: keep-alive\r\n\r\n`, 'latin1');
  }
  return out;
}

/** One open-loop run of `seconds` at `rate` over `conns`; resolves when every request is answered. */
function runPhase(conns: Conn[], requests: Buffer[], rate: number): Promise<Omit<PacedResult, 'cpuMs' | 'totalCpuMs'>> {
  const total = requests.length;
  const latencies = new Float64Array(total);
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let done = 0;
  const queue: number[] = [];
  let qHead = 0;
  // Idle connections are reused oldest first, so each stays busy enough that the server's
  // keep-alive timeout never closes it under our feet.
  const idle: Conn[] = [...conns];
  let idleHead = 0;
  const start = performance.now();
  const planned = (j: number) => start + (j * 1000) / rate;

  return new Promise((resolve, reject) => {
    const finishOne = (c: Conn, status: number) => {
      const j = c.busy;
      c.busy = -1;
      if (status === 200) latencies[ok++] = performance.now() - planned(j);
      else non2xx++;
      if (++done === total) {
        for (const x of conns) x.socket.removeAllListeners('data').removeAllListeners('close');
        resolve({ latencies: latencies.slice(0, ok), requests: total, non2xx, errors, elapsed: (performance.now() - start) / 1000 });
        return;
      }
      if (qHead < queue.length) send(c, queue[qHead++]);
      else idle.push(c);
    };
    const takeIdle = (): Conn | undefined => {
      if (idleHead > 1024) {
        idle.splice(0, idleHead);
        idleHead = 0;
      }
      while (idleHead < idle.length) {
        const c = idle[idleHead++];
        if (!c.socket.destroyed) return c;
      }
      if (conns.every((x) => x.socket.destroyed)) reject(new Error('the server closed every connection'));
      return undefined;
    };
    const send = (c: Conn, j: number) => {
      c.busy = j;
      c.socket.write(requests[j]);
    };
    for (const c of conns) {
      c.socket.on('data', (chunk: Buffer) => {
        let buf = c.pending ? Buffer.concat([c.pending, chunk]) : chunk;
        c.pending = null;
        // No pipelining: at most one answer is in flight per connection.
        const headEnd = buf.indexOf(CRLFCRLF);
        if (headEnd < 0) {
          c.pending = buf;
          return;
        }
        const m = CONTENT_LENGTH.exec(buf.toString('latin1', 0, headEnd));
        // Without Content-Length the body is chunked (node:http's writeHead + end): up to the last chunk.
        const end = m ? headEnd + 4 + Number(m[1]) : buf.indexOf(LAST_CHUNK, headEnd + 4) + LAST_CHUNK.length;
        if (end < LAST_CHUNK.length || buf.length < end) {
          c.pending = buf;
          return;
        }
        const status = (buf[9] - 48) * 100 + (buf[10] - 48) * 10 + (buf[11] - 48);
        buf = buf.subarray(end);
        if (buf.length) return reject(new Error('unexpected bytes after a response (the generator does not pipeline)'));
        finishOne(c, status);
      });
      // A connection lost mid-run fails its request (counted) and is not reused.
      c.socket.on('close', () => {
        if (c.busy < 0) return;
        errors++;
        c.busy = -1;
        if (++done === total) resolve({ latencies: latencies.slice(0, ok), requests: total, non2xx, errors, elapsed: (performance.now() - start) / 1000 });
      });
      c.socket.on('error', () => {});
    }
    let sent = 0;
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      for (; sent < due; sent++) {
        const c = takeIdle();
        if (c) send(c, sent);
        else queue.push(sent);
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
}

export async function pacedLoad(o: PacedRequest): Promise<PacedResult> {
  const conns: Conn[] = await Promise.all(
    Array.from(
      { length: o.connections },
      () =>
        new Promise<Conn>((resolve, reject) => {
          const socket = connect({ host: o.host, port: o.port, noDelay: true }, () => resolve({ socket, busy: -1, pending: null }));
          socket.once('error', reject);
        }),
    ),
  );
  try {
    if (o.warmSeconds > 0) await runPhase(conns, buildRequests(o.host, o.port, o.users, Math.round(o.rate * o.warmSeconds)), o.rate);
    const requests = buildRequests(o.host, o.port, o.users, Math.round(o.rate * o.seconds));
    const cpu0 = process.cpuUsage();
    const r = await runPhase(conns, requests, o.rate);
    const cpu = process.cpuUsage(cpu0);
    const total = process.cpuUsage();
    return { ...r, cpuMs: (cpu.user + cpu.system) / 1000, totalCpuMs: (total.user + total.system) / 1000 };
  } finally {
    for (const c of conns) c.socket.destroy();
  }
}

if (process.send) {
  // Forked by serving.ts: one request, one result, then exit.
  process.once('message', (req: PacedRequest) => {
    pacedLoad(req).then(
      (result) => process.send!({ result }, () => process.exit(0)),
      (err: Error) => process.send!({ error: err.message }, () => process.exit(1)),
    );
  });
} else if (process.argv[2]) {
  const [port, rate, seconds, warm = 2, maxUser = 610] = process.argv.slice(2).map(Number);
  const users = Int32Array.from({ length: maxUser }, (_, i) => i + 1);
  const r = await pacedLoad({ host: '127.0.0.1', port, rate, seconds, warmSeconds: warm, users, connections: 32 });
  const sorted = r.latencies.slice().sort();
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  process.stdout.write(
    `${r.requests} requests in ${r.elapsed.toFixed(1)} s, non-2xx ${r.non2xx}, errors ${r.errors}: ` +
      `p50 ${pct(0.5).toFixed(2)} ms  p90 ${pct(0.9).toFixed(2)}  p99 ${pct(0.99).toFixed(2)}  p99.9 ${pct(0.999).toFixed(2)}  max ${sorted[sorted.length - 1].toFixed(2)} ms` +
      `  generator CPU ${r.cpuMs.toFixed(0)} ms\n`,
  );
}
