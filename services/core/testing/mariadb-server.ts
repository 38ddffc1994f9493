// A throw-away private MariaDB server for tests that must stop, kill and restart MySQL for real
// (the shared server on 3306 serves every other suite and is never touched): its own datadir in a
// temp directory, its own port on 127.0.0.1 and socket, a small buffer pool. `start()` after
// `stop()` or `kill()` brings the same datadir back on the same port, so clients configured with
// `settings` reconnect to it. Root has no password (mariadb-install-db's "normal" root).
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import type { MysqlSettings } from '../db/connection.ts';
import { findBinary, freePort, runCommand, stopChild } from '../child-process.ts';
import { spawnLogged, tailFile } from '../spawn-logged.ts';
import { waitUntilReady } from '../wait-for-ready.ts';

export interface PrivateMariaDbOptions {
  /** Database created at the first start; default `marquee`. */
  database?: string;
  /** Parent of the server's directory; default the OS temp dir. */
  parentDir?: string;
  /** InnoDB buffer pool in MiB; default 32. */
  bufferPoolMb?: number;
  /** How long a start may take until a connection answers; default 30 s. */
  readyTimeoutMs?: number;
  /** How long a clean shutdown may take before it is killed; default 60 s. */
  stopTimeoutMs?: number;
}

export interface PrivateMariaDb {
  /** For mysql2 and the MYSQL_* variables: root, no password, the created database. */
  readonly settings: MysqlSettings;
  readonly port: number;
  readonly dir: string;
  readonly socket: string;
  readonly errorLog: string;
  /** Pid of the running server; undefined while stopped. */
  pid(): number | undefined;
  running(): boolean;
  /** Starts the server on its datadir and port; resolves once a connection answers. No-op when running. */
  start(): Promise<void>;
  /** Clean shutdown (SIGTERM: InnoDB flushes and closes); resolves once the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown at all; the next start runs InnoDB's crash recovery. */
  kill(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}


/** Creates the datadir (mariadb-install-db), starts the server and creates the database. */
export async function startPrivateMariaDb(opts: PrivateMariaDbOptions = {}): Promise<PrivateMariaDb> {
  const installDb = findBinary('mariadb-install-db');
  const mariadbd = findBinary('mariadbd');
  const dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'marquee-mariadb-'));
  const data = join(dir, 'data');
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const socket = join(dir, 'mysqld.sock');
  const errorLog = join(dir, 'error.log');
  const out = join(dir, 'mariadbd.out');
  const port = await freePort();
  const database = opts.database ?? 'marquee';
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 60_000;
  // As root, mariadbd refuses to run unless told to; as another user it runs as that user anyway.
  const asUser = process.getuid?.() === 0 ? ['--user=root'] : [];

  const installed = await runCommand(installDb, [
    '--no-defaults',
    `--datadir=${data}`,
    ...asUser,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
  ]);
  if (installed.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed (exit ${installed.code}):\n${installed.output.slice(-2000)}`);
  }

  const args = [
    '--no-defaults',
    `--datadir=${data}`,
    `--tmpdir=${tmp}`,
    `--socket=${socket}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${errorLog}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    // After a stop the port can still be held for a moment: wait for it rather than fail.
    '--port-open-timeout=15',
    ...asUser,
    `--innodb-buffer-pool-size=${opts.bufferPoolMb ?? 32}M`,
    '--skip-log-bin',
    '--skip-name-resolve',
    '--performance-schema=OFF',
    '--max-connections=200',
  ];
  const settings: MysqlSettings = { host: '127.0.0.1', port, user: 'root', password: '', database };
  let child: ChildProcess | undefined;
  let exit: string | undefined;

  const running = () => child !== undefined && exit === undefined;

  async function start(): Promise<void> {
    if (running()) return;
    exit = undefined;
    const started = spawnLogged(mariadbd, args, { logFile: out });
    child = started.child;
    void started.exited.then((how) => {
      if (child === started.child) exit = how;
    });
    const ping = async (): Promise<true> => {
      const conn = await mysql.createConnection({ host: settings.host, port, user: 'root', password: '', connectTimeout: 1000 });
      try {
        await conn.query('SELECT 1');
      } finally {
        await conn.end().catch(() => {});
      }
      return true;
    };
    try {
      await waitUntilReady(ping, { timeoutMs: readyTimeoutMs, intervalMs: 50, what: `mariadbd (port ${port})`, died: () => exit });
    } catch (err) {
      await kill();
      throw new Error(`${(err as Error).message}\n${tailFile(errorLog)}`, { cause: err });
    }
  }

  async function halt(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const c = child;
    if (!c || !running()) return;
    await stopChild(c, signal, graceMs);
    exit ??= `stopped by ${signal}`;
  }

  const kill = () => halt('SIGKILL', 0);

  try {
    await start();
    const conn = await mysql.createConnection({ host: settings.host, port, user: 'root', password: '' });
    try {
      await conn.query(`CREATE DATABASE IF NOT EXISTS ${mysql.escapeId(database)}`);
    } finally {
      await conn.end();
    }
  } catch (err) {
    await kill();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    settings,
    port,
    dir,
    socket,
    errorLog,
    pid: () => (running() ? child?.pid : undefined),
    running,
    start,
    stop: () => halt('SIGTERM', stopTimeoutMs),
    kill,
    async destroy() {
      await halt('SIGTERM', 10_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
