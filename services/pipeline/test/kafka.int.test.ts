// Real Kafka (127.0.0.1:9092): ingest with committed offsets, a consumer SIGKILLed mid-window, and a
// group whose partitions a dead member still holds.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { readDeadLetters } from '../clean/dead-letter.ts';
import { ingest } from '../ingest.ts';
import { createArraySource } from '../sources/array.ts';
import { committedOffsets } from '../sources/kafka-client.ts';
import { createKafkaSource } from '../sources/kafka.ts';
import { BROKERS, countKinds, createTopic, generatedLines, killHolder, produce, startHolder, uniqueName } from './helpers/kafka.ts';
import { repoRoot } from './paths.ts';

const work = mkdtempSync(join(tmpdir(), 'marquee-kafka-it-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const deadLetterLines = (path: string) => readDeadLetters(path).map((d) => d.line);

/** A topic with `n` pending lines whose only partition a member of the group (6 s session) holds. */
async function heldTopic(prefix: string, n: number) {
  const topic = uniqueName(prefix);
  const groupId = uniqueName('g');
  await createTopic(topic);
  await produce(topic, generatedLines(n).map((x) => x.line));
  return { topic, groupId, holder: await startHolder(topic, groupId, 6_000) };
}

describe('Kafka source + ingest', () => {
  it('reads maxMessages, dead-letters the bad lines, commits offsets, and resumes after them', async () => {
    const topic = uniqueName('it-ingest');
    const groupId = uniqueName('g');
    await createTopic(topic);
    const items = generatedLines(3_000);
    await produce(topic, items.map((x) => x.line));
    const dataDir = join(work, 'a', 'data');
    const deadLetterPath = join(work, 'a', 'dead.log');

    const first = await ingest(createKafkaSource({ brokers: BROKERS, topic, groupId, maxMessages: 2_000, windowMs: 60_000 }), { dataDir, deadLetterPath });
    const expected = countKinds(items.slice(0, 2_000));
    expect(first).toMatchObject({
      lines: 2_000,
      events: { watch: expected.watch, rate: expected.rate, recommendation: expected.recommendation },
      rejected: { malformed: expected.malformed, bad_user: expected.bad_user },
    });
    expect(deadLetterLines(deadLetterPath)).toEqual(items.slice(0, 2_000).filter((x) => x.kind === 'malformed' || x.kind === 'bad_user').map((x) => x.line));
    expect(await committedOffsets(BROKERS, groupId, topic)).toEqual(new Map([[0, 2_000]]));

    const rest = await ingest(createKafkaSource({ brokers: BROKERS, topic, groupId, idleMs: 1_500, windowMs: 60_000 }), { dataDir, deadLetterPath });
    expect(rest.lines).toBe(1_000);
    expect(await committedOffsets(BROKERS, groupId, topic)).toEqual(new Map([[0, 3_000]]));

    // Same store as one pass over all the lines.
    const single = join(work, 'a-single');
    await ingest(createArraySource(items.map((x) => x.line)), { dataDir: single, deadLetterPath: join(single, 'dead.log') });
    for (const f of ['clean_rating.csv', 'clean_watch.csv']) expect(readFileSync(join(dataDir, f), 'utf8')).toBe(readFileSync(join(single, f), 'utf8'));
  });

  it('ends when the window elapses with nothing to read, committing nothing', async () => {
    const topic = uniqueName('it-empty');
    const groupId = uniqueName('g');
    await createTopic(topic);
    const report = await ingest(createKafkaSource({ brokers: BROKERS, topic, groupId, windowMs: 4_000 }), {
      dataDir: join(work, 'b', 'data'),
      deadLetterPath: join(work, 'b', 'dead.log'),
    });
    expect(report.lines).toBe(0);
    expect((await committedOffsets(BROKERS, groupId, topic)).get(0)).toBe(-1);
  });

  it('reads every partition of a multi-partition topic', async () => {
    const topic = uniqueName('it-parts');
    const groupId = uniqueName('g');
    await createTopic(topic, 3);
    const items = generatedLines(900);
    await produce(topic, items.map((x) => x.line));
    const report = await ingest(createKafkaSource({ brokers: BROKERS, topic, groupId, idleMs: 1_500 }), {
      dataDir: join(work, 'c', 'data'),
      deadLetterPath: join(work, 'c', 'dead.log'),
    });
    expect(report.lines).toBe(900);
    const offsets = await committedOffsets(BROKERS, groupId, topic);
    expect([...offsets.values()].reduce((a, b) => a + b, 0)).toBe(900);
  });

  it('loses and duplicates nothing when the consumer is SIGKILLed mid-window and restarted', async () => {
    const topic = uniqueName('it-kill');
    const groupId = uniqueName('g');
    await createTopic(topic);
    const N = 40_000;
    const items = generatedLines(N);
    await produce(topic, items.map((x) => x.line));
    const dataDir = join(work, 'd', 'data');
    const deadLetterPath = join(work, 'd', 'dead.log');
    const args = [
      '--import', 'tsx', join(repoRoot, 'services/pipeline/cli/ingest.ts'),
      '--from-kafka', '--brokers', BROKERS.join(','), '--topic', topic, '--group-id', groupId,
      '--idle-ms', '2000', '--window-ms', '120000', '--fetch-bytes', '8192',
      '--data-dir', dataDir, '--dead-letter', deadLetterPath, '--json',
    ];
    const start = () => spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });

    // Run 1: kill it as soon as it has committed something.
    const child = start();
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    for (let waited = 0; waited < 60_000; waited += 25) {
      if (((await committedOffsets(BROKERS, groupId, topic)).get(0) ?? -1) > 0) break;
      await sleep(25);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // The child may commit again between that read and the kill (CI 2026-12-02: run 2 then read one batch
    // fewer than expected), so the resume point is read once it is dead; a commit request already on the
    // wire is still applied by the broker, hence the pause.
    await sleep(1_000);
    const committedAtKill = (await committedOffsets(BROKERS, groupId, topic)).get(0) ?? -1;
    expect(committedAtKill).toBeGreaterThan(0);
    expect(committedAtKill).toBeLessThan(N); // really killed partway

    // Run 2: restart and let it drain the topic.
    const second = start();
    let stdout = '';
    second.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const code = await new Promise<number | null>((r) => second.on('exit', (c) => r(c)));
    expect(code).toBe(0);
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { lines: number };
    expect(report.lines).toBe(N - committedAtKill); // resumes at the committed offset: re-reads the uncommitted part, nothing more
    expect(await committedOffsets(BROKERS, groupId, topic)).toEqual(new Map([[0, N]]));

    // The store equals a single clean run over the same lines.
    const single = join(work, 'd-single');
    await ingest(createArraySource(items.map((x) => x.line)), { dataDir: single, deadLetterPath: join(single, 'dead.log') });
    for (const f of ['clean_rating.csv', 'clean_watch.csv']) expect(readFileSync(join(dataDir, f), 'utf8')).toBe(readFileSync(join(single, f), 'utf8'));
    // Every rejected line is dead-lettered (a replayed batch may list some twice).
    const bad = new Set(items.filter((x) => x.kind === 'malformed' || x.kind === 'bad_user').map((x) => x.line));
    expect(new Set(deadLetterLines(deadLetterPath))).toEqual(bad);
  }, 150_000);

  it('starts the idle clock only once it holds a partition: waits out a member that holds it, then reads everything', async () => {
    const { topic, groupId, holder } = await heldTopic('it-held', 3_000);
    try {
      const run = ingest(createKafkaSource({ brokers: BROKERS, topic, groupId, idleMs: 1_500, windowMs: 60_000 }), {
        dataDir: join(work, 'e', 'data'),
        deadLetterPath: join(work, 'e', 'dead.log'),
      });
      // The collector's join makes the holder rejoin; the collector comes out of it without partitions
      // (the holder keeps partition 0). Longer than the idle limit later the holder dies, and keeps the
      // partition until its 6 s session times out.
      await holder.joined(2);
      await sleep(2_500);
      await killHolder(holder);
      const report = await run;
      expect(report.lines).toBe(3_000);
      expect(await committedOffsets(BROKERS, groupId, topic)).toEqual(new Map([[0, 3_000]]));
    } finally {
      holder.child.kill('SIGKILL'); // already dead unless the test failed early
    }
  }, 60_000);

  it('fails naming topic, group and lag when a window reads nothing while a dead member holds the partition', async () => {
    const { topic, groupId, holder } = await heldTopic('it-lag', 2_000);
    await killHolder(holder); // restarted right after a crash: the dead member holds partition 0 for 6 s more
    const dataDir = join(work, 'f', 'data');
    const deadLetterPath = join(work, 'f', 'dead.log');

    const empty = ingest(createKafkaSource({ brokers: BROKERS, topic, groupId, idleMs: 1_000, windowMs: 2_000 }), { dataDir, deadLetterPath });
    await expect(empty).rejects.toMatchObject({ name: 'KafkaLagError', topic, groupId, lag: 2_000 });
    await expect(empty).rejects.toThrow(
      new RegExp(`^Kafka topic ${topic}: read nothing, but consumer group ${groupId} has 2000 messages pending \\(partition 0: committed none, end 2000\\)`),
    );
    expect((await committedOffsets(BROKERS, groupId, topic)).get(0)).toBe(-1);

    // Once the dead member's session has timed out, a run reads them all.
    const report = await ingest(createKafkaSource({ brokers: BROKERS, topic, groupId, idleMs: 1_500, windowMs: 60_000 }), { dataDir, deadLetterPath });
    expect(report.lines).toBe(2_000);
    expect(await committedOffsets(BROKERS, groupId, topic)).toEqual(new Map([[0, 2_000]]));
  }, 60_000);
});
