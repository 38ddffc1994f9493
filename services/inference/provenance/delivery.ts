// Whether an answer reached its caller, so that a `reccom` row with status 200 means exactly that.
//
// NGINX gives each try PROXY_TIMEOUTS.readMs to answer; a replica that answers later has lost the
// race: NGINX closed the connection and asked another replica, whose answer the caller got. Node
// notices the close only when it reads the socket, so an answer written right after a stall of the
// event loop (a GC pause, a busy CPU) seems to go out fine ('finish' fires: the bytes reached the
// kernel) although the peer had already hung up. Hence the verdict waits: it is made two turns of
// the event loop after 'finish', when any close that was already waiting on the socket has been
// read (a turn's poll phase reads every ready socket). An answer counts as abandoned only when the
// peer closed *and* it was written too late for NGINX to have accepted it: a caller that reads the
// answer and then closes (NGINX dropping a spare keep-alive connection, `curl`) did receive it.
// Hence also: an answer written within the accept window is delivered whatever happens to its
// socket, and app.ts records it at once; only late answers (rare) wait for the verdict here.
import type { Socket } from 'node:net';

/** Parses NGINX's `X-Request-Start: <epoch seconds>.<ms>` ($msec); NaN when absent or malformed. */
export function parseRequestStart(header: string | string[] | undefined): number {
  if (typeof header !== 'string' || !/^\d{9,11}(\.\d{1,3})?$/.test(header)) return Number.NaN;
  return Math.round(Number(header) * 1000);
}

/**
 * When the caller's clock started: NGINX's request start when it is plausible (within a minute of
 * this host's clock, which NGINX shares in every deployment here), else this process's arrival time.
 */
export function startOf(nginxStartMs: number, arrivedAtMs: number): number {
  return Number.isFinite(nginxStartMs) && Math.abs(arrivedAtMs - nginxStartMs) < 60_000 ? Math.min(nginxStartMs, arrivedAtMs) : arrivedAtMs;
}

/** Pure: the verdict on one answer, from what was seen on its connection. */
export function delivered(o: { peerClosed: boolean; writtenAtMs: number; startMs: number; acceptWithinMs: number }): boolean {
  return !o.peerClosed || o.writtenAtMs - o.startMs < o.acceptWithinMs;
}

interface Pending<T, E> {
  item: T;
  extra: E;
  socket: Socket;
  /** This side closes the connection after the answer (the request said `Connection: close`). */
  closedByUs: boolean;
  writtenAtMs: number;
  startMs: number;
}

/**
 * Did the peer hang up? It sent its FIN (read by now: `readableEnded`), or the socket broke while
 * kept alive (a reset). A socket this side destroys itself after a `Connection: close` answer is
 * not the peer leaving; for those only a FIN read before then counts.
 */
export function peerHungUp(socket: Pick<Socket, 'destroyed' | 'readableEnded'>, closedByUs: boolean): boolean {
  return socket.readableEnded || (socket.destroyed && !closedByUs);
}

/**
 * Collects written answers and calls `settle(item, extra, delivered)` for each two event-loop turns
 * later. One pair of setImmediate calls serves every answer written in the same turn.
 */
export function deliveryJudge<T, E>(acceptWithinMs: number, settle: (item: T, extra: E, delivered: boolean) => void, now: () => number = Date.now) {
  let incoming: Pending<T, E>[] = [];
  let waiting: Pending<T, E>[] = [];
  let scheduled = false;

  const step = () => {
    const ready = waiting;
    waiting = incoming;
    incoming = [];
    for (const p of ready) {
      const peerClosed = peerHungUp(p.socket, p.closedByUs);
      settle(p.item, p.extra, delivered({ peerClosed, writtenAtMs: p.writtenAtMs, startMs: p.startMs, acceptWithinMs }));
    }
    scheduled = waiting.length > 0;
    if (scheduled) setImmediate(step);
  };

  return {
    /**
     * An answer whose last byte was just handed to the kernel ('finish'); `closedByUs` when the
     * response is the connection's last (ServerResponse.shouldKeepAlive false).
     */
    written(item: T, extra: E, socket: Socket, startMs: number, closedByUs = false): void {
      incoming.push({ item, extra, socket, closedByUs, writtenAtMs: now(), startMs });
      if (!scheduled) {
        scheduled = true;
        setImmediate(step);
      }
    },
  };
}
