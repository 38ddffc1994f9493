// Kafka helpers for the integration tests: unique names, producing lines, generated log lines
// whose kinds are known by construction (so expectations never come from the parser itself).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createKafkaClient, createProducer, ensureTopic } from '../../sources/kafka-client.ts';
import { repoRoot } from '../paths.ts';

export const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export const uniqueName = (prefix: string) => `${prefix}-${Date.now()}-${randomBytes(3).toString('hex')}`;

export async function createTopic(topic: string, partitions = 1): Promise<void> {
  try {
    await ensureTopic(BROKERS, topic, { partitions });
  } catch (err) {
    throw new Error(`Kafka not reachable on ${BROKERS.join(',')} (start it with scripts/services/kafka-start.sh): ${(err as Error).message}`, { cause: err });
  }
}

export async function produce(topic: string, lines: string[]): Promise<void> {
  const producer = createProducer(createKafkaClient(BROKERS, 'marquee-test-producer'));
  await producer.connect();
  try {
    for (let i = 0; i < lines.length; i += 5_000) {
      await producer.send({ topic, acks: -1, messages: lines.slice(i, i + 5_000).map((value) => ({ value })) });
    }
  } finally {
    await producer.disconnect();
  }
}

export type Kind = 'watch' | 'rate' | 'recommendation' | 'malformed' | 'bad_user';

/** Line i of a deterministic log: mostly watches, some ratings and recommendations, 1 in 20 broken. */
export function generatedLine(i: number): { kind: Kind; line: string } {
  const sec = String(i % 60).padStart(2, '0');
  const min = String(Math.floor(i / 60) % 60).padStart(2, '0');
  const at = `2023-11-29T${String(10 + (Math.floor(i / 3600) % 10)).padStart(2, '0')}:${min}:${sec}`;
  const user = (i % 997) + 1;
  const movie = `movie+${i % 113}+20${String(i % 24).padStart(2, '0')}`;
  if (i % 20 === 7) return { kind: 'malformed', line: `garbage line ${i}` };
  if (i % 20 === 13) return { kind: 'bad_user', line: `${at},-${user},GET /data/m/${movie}/1.mpg` };
  if (i % 10 === 3) return { kind: 'rate', line: `${at},${user},GET /rate/${movie}=${(i % 5) + 1}` };
  if (i % 25 === 1) return { kind: 'recommendation', line: `${at},${user},recommendation request h:8082, status 200, result: a+1, b+2, ${i % 90} ms` };
  return { kind: 'watch', line: `${at},${user},GET /data/m/${movie}/${i % 120}.mpg` };
}

export const generatedLines = (n: number) => Array.from({ length: n }, (_, i) => generatedLine(i));

export function countKinds(items: Array<{ kind: Kind }>): Record<Kind, number> {
  const out: Record<Kind, number> = { watch: 0, rate: 0, recommendation: 0, malformed: 0, bad_user: 0 };
  for (const it of items) out[it.kind]++;
  return out;
}

export interface Holder {
  child: ChildProcess;
  /** Resolves once the holder has been assigned partition 0 `n` times (it rejoins on every rebalance). */
  joined(n: number): Promise<void>;
}

/** Starts a group member that holds the partitions and never consumes; resolves once it holds partition 0. */
export async function startHolder(topic: string, groupId: string, sessionTimeoutMs: number): Promise<Holder> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'services/pipeline/test/helpers/kafka-holder.ts'), BROKERS.join(','), topic, groupId, String(sessionTimeoutMs)],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const waiters: Array<() => void> = [];
  const count = () => (out.match(/assigned \{"[^"]+":\[0\]\}/g) ?? []).length;
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
    for (const w of waiters.splice(0)) w();
  });
  const joined = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (count() >= n ? resolve() : waiters.push(check));
      child.once('exit', (code) => reject(new Error(`holder exited (${code}) before its join ${n}: ${out}`)));
      check();
    });
  await joined(1);
  return { child, joined };
}

/** SIGKILLs the holder: it stays a member, holding its partitions, until its session times out. */
export async function killHolder(holder: Holder): Promise<void> {
  const exited = new Promise((r) => holder.child.on('exit', r));
  holder.child.kill('SIGKILL');
  await exited;
}
