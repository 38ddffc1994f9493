// Deadlines on a mysql2 connection, so a MySQL that stalls (or a network that drops packets) fails a
// call in bounded time instead of holding a writer forever.
//
// What mysql2 (3.24) does by itself, read in node_modules/mysql2/lib: `connectTimeout` bounds the TCP
// connect plus the handshake, with the bare error "connect ETIMEDOUT". Nothing bounds a statement by
// default, and its per-call `timeout` option is not enough: on expiry it fails the call but leaves the
// command running on the connection (base/pool.js releases a connection only on the command's 'end'),
// so the pool never gets the connection back from a hung server and, once `connectionLimit` calls
// have stalled, queues every later call forever; execute()'s prepare step and beginTransaction,
// commit and rollback take no timeout at all.
//
// So every command a connection is given gets a deadline here. When it passes, the socket is
// destroyed with an error naming the setting: mysql2 fails that command and any queued behind it,
// the pool drops the connection (pool_connection.js removes it on error), and the next call opens a
// fresh one, itself bounded by the connect timeout.
import type { Socket } from 'node:net';

/** The parts of mysql2's core Connection this relies on (internal API; tests against a hung server guard it). */
interface CoreConnection {
  addCommand(cmd: CoreCommand): unknown;
  stream: Socket;
}
interface CoreCommand {
  once(event: 'end', listener: () => void): unknown;
}
type ConnectionCallback = (err: Error | null, conn?: unknown) => void;
interface CorePool {
  getConnection(cb: ConnectionCallback): void;
  on(event: 'connection', listener: (conn: unknown) => void): unknown;
}

export interface Deadlines {
  connectMs: number;
  queryMs: number;
}

/** Fails any command on `conn` that has no answer `queryMs` after it was issued, closing the connection. */
export function boundCommands(conn: unknown, queryMs: number, where: string): void {
  const c = conn as CoreConnection;
  const pending = new Set<NodeJS.Timeout>();
  const addCommand = c.addCommand.bind(c);
  c.addCommand = (cmd) => {
    const timer = setTimeout(() => {
      pending.delete(timer);
      const err = Object.assign(new Error(`MySQL at ${where} did not answer within ${queryMs} ms (MYSQL_QUERY_TIMEOUT_MS); connection closed`), {
        code: 'PROTOCOL_SEQUENCE_TIMEOUT',
      });
      c.stream.destroy(err);
    }, queryMs);
    timer.unref();
    pending.add(timer);
    cmd.once('end', () => {
      clearTimeout(timer);
      pending.delete(timer);
    });
    return addCommand(cmd);
  };
  // A command failed by a closed connection never ends; its timer goes with the socket.
  c.stream.once('close', () => {
    for (const t of pending) clearTimeout(t);
    pending.clear();
  });
}

/** Errors already explained: the same error may pass through more than one callback. */
const explained = new WeakSet<object>();

/** mysql2's connect timeout error, made to say where, how long and which setting. */
export function explainConnectError<E>(err: E, where: string, connectMs: number): E {
  const e = err as NodeJS.ErrnoException | null;
  if (e?.code === 'ETIMEDOUT' && e.syscall === 'connect' && !explained.has(e)) {
    explained.add(e);
    e.message = `MySQL at ${where} did not complete a connection within ${connectMs} ms (MYSQL_CONNECT_TIMEOUT_MS): ${e.message}`;
  }
  return err;
}

/** Deadlines on every connection a mysql2 core pool (`promisePool.pool`) opens. */
export function boundPool(pool: unknown, d: Deadlines, where: string): void {
  const p = pool as CorePool;
  const getConnection = p.getConnection.bind(p);
  p.getConnection = (cb) => getConnection((err, conn) => cb(err ? explainConnectError(err, where, d.connectMs) : null, conn));
  p.on('connection', (conn) => boundCommands(conn, d.queryMs, where));
}
