// Whole pipeline runs against real servers: Kafka (scripts/services/kafka-start.sh), MariaDB (a
// throw-away database per test), a bare git remote, a DVC remote folder, an SMTP server and a Slack
// webhook receiver. Training is small (4k ratings, 20 factors, 10 epochs) so each run takes seconds.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPool, mysqlSettingsFromEnv } from '../../core/db/connection.ts';
import { md5File } from '../../core/hash.ts';
import { createLogger } from '../../core/logger.ts';
import { dropDatabase, ensureDatabase } from '../../core/db/migrate.ts';
import { createTestDatabase, createTestUser } from '../../core/testing/mysql.ts';
import { loadArtifact, topNForUser } from '../../model/index.ts';
import { createRecommender, DEFAULT_COLD_START_BELOW } from '../../inference/recommender.ts';
import { readDeadLetters } from '../clean/dead-letter.ts';
import { findTracking, latestTrackedVersion } from '../lineage/tracking.ts';
import { createNotifiers } from '../../core/notify/notifiers.ts';
import { loadPipelineConfig } from '../run/config.ts';
import { defaultDeps } from '../run/deps.ts';
import { runPipeline } from '../run/run-pipeline.ts';
import { watchLine } from '../simulator/lines.ts';
import { createKafkaSink } from '../simulator/sinks.ts';
import { committedOffsets } from '../sources/kafka-client.ts';
import { exitCodeFor } from '../run/summary.ts';
import { objectRelPath, parseDvcFile } from '../version/dvc-file.ts';
import { dvcPull } from '../version/dvc-store.ts';
import { createWorkspace, git, logLinesFor, MALFORMED_LINES, pipelineEnv, REPO_ROOT, seedRatings, type Workspace } from './run-fixtures.ts';
import { notifyEnv, startSlackReceiver, startSmtp, type SlackSink, type SmtpSink } from '../../core/testing/notify-sinks.ts';
import { killHolder, startHolder } from './helpers/kafka.ts';
import { treeOf } from './version-helpers.ts';

const BROKERS = '127.0.0.1:9092';
const VERSION_FILES = [
  '.dvc/.gitignore',
  '.dvc/config',
  'data/.gitignore',
  'data/clean_rating.csv.dvc',
  'data/clean_watch.csv.dvc',
  'data/version.txt',
  'models/1/.gitignore',
  'models/1/manifest.json.dvc',
  'models/1/model.bin.dvc',
  'models/1/rating.bin.dvc',
];

let smtp: SmtpSink;
let slack: SlackSink;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  execFileSync('bash', [join(REPO_ROOT, 'scripts/services/kafka-start.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  smtp = await startSmtp();
  slack = await startSlackReceiver();
});
afterAll(async () => {
  await smtp?.close();
  await slack?.close();
});
afterEach(async () => {
  while (cleanups.length) await (cleanups.pop() as () => Promise<void>)();
});

/** A fresh workspace + database, and a runner that runs the pipeline there with extra env. */
async function setup() {
  const ws = createWorkspace();
  const db = await createTestDatabase('marquee_run');
  // The run uses a least-privilege pipeline user, as in production; the test's own pool is admin.
  const user = await createTestUser(db.settings, 'pipeline');
  const pool = createPool(db.settings, 2);
  cleanups.push(async () => {
    await pool.end();
    await user.drop();
    await db.drop();
    rmSync(ws.root, { recursive: true, force: true });
  });
  const logs: string[] = [];
  const run = async (extra: Record<string, string>, fromFile?: string) => {
    const cfg = loadPipelineConfig({ ...pipelineEnv(ws, user.settings), ...notifyEnv(smtp, slack), ...extra });
    const logger = createLogger('pipeline', { file: cfg.logFile, write: (l) => logs.push(l) });
    const mails = smtp.mails.length;
    const posts = slack.payloads.length;
    const summary = await runPipeline(cfg, { deps: defaultDeps, logger, notifiers: createNotifiers(cfg.notify, logger), fromFile });
    return { summary, mails: smtp.mails.slice(mails), posts: slack.payloads.slice(posts) };
  };
  return { ws, pool, logs, run };
}

async function produce(lines: string[]): Promise<{ topic: string; env: Record<string, string> }> {
  const topic = `movielog-run-${randomBytes(4).toString('hex')}`;
  const sink = createKafkaSink({ brokers: [BROKERS], topic });
  for (let i = 0; i < lines.length; i += 2000) await sink.write(lines.slice(i, i + 2000));
  await sink.close();
  return {
    topic,
    env: {
      KAFKA_BROKERS: BROKERS,
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: `marquee-run-test-${randomBytes(3).toString('hex')}`,
      INGEST_MAX_MESSAGES: String(lines.length),
      INGEST_WINDOW_MS: '60000',
    },
  };
}

function writeLines(ws: Workspace, lines: string[]): string {
  const path = join(ws.root, `lines-${randomBytes(3).toString('hex')}.log`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The working copy minus the clean-data store (which a run's ingest legitimately grows). */
function versionedState(workdir: string) {
  const tree = treeOf(workdir);
  for (const k of Object.keys(tree)) if (/^data\/(clean_|\.clean\.)/.test(k)) delete tree[k];
  return tree;
}

const versionCommits = (remote: string) =>
  git(remote, 'log', '--format=%s', 'main')
    .split('\n')
    .filter((s) => s.startsWith('Data and Model'));

describe('pipeline run', () => {
  it('fails at prepare on a database the migration step never ran on, naming npm run migrate', async () => {
    const ws = createWorkspace();
    const bare = { ...mysqlSettingsFromEnv(), database: `marquee_bare_${randomBytes(4).toString('hex')}` };
    await ensureDatabase(bare);
    cleanups.push(async () => {
      await dropDatabase(bare);
      rmSync(ws.root, { recursive: true, force: true });
    });
    const cfg = loadPipelineConfig(pipelineEnv(ws, bare));
    const logger = createLogger('pipeline', { file: cfg.logFile, write: () => {} });
    const summary = await runPipeline(cfg, { deps: defaultDeps, logger, notifiers: createNotifiers(cfg.notify, logger) });
    expect(summary.status).toBe('failed');
    expect(summary.failedStep).toBe('prepare');
    expect(summary.error).toMatch(/no schema_migrations table .*npm run migrate/);
  });

  it('collects from Kafka, dead-letters malformed lines, trains, versions, pushes, tracks and notifies', async () => {
    const { ws, pool, run } = await setup();
    const ratings = seedRatings();
    const first = logLinesFor(ratings.slice(0, 3000));
    first.splice(500, 0, ...MALFORMED_LINES.slice(0, 4));
    first.push(...MALFORMED_LINES.slice(4));
    const { env } = await produce(first);

    const { summary, mails, posts } = await run(env);
    expect(summary).toMatchObject({ status: 'published', version: 1, previousVersion: 0 });
    expect(summary.rmse).toBeLessThan(1);

    // malformed lines: counted and dead-lettered, the run went on
    expect(summary.ingest?.lines).toBe(first.length);
    expect(summary.ingest?.rejected).toBe(MALFORMED_LINES.length);
    const dead = readDeadLetters(ws.deadLetter);
    expect(dead.map((d) => d.line).sort()).toEqual([...MALFORMED_LINES].sort());

    // git: exactly the version files, in a commit with the agreed message, on the remote
    expect(git(ws.remote, 'log', '-1', '--format=%H %s', 'main')).toBe(`${summary.commit} Data and Model version update: [1]`);
    expect(git(ws.remote, 'show', '--name-only', '--format=', 'main').split('\n').sort()).toEqual(VERSION_FILES);
    expect(git(ws.remote, 'show', 'main:data/version.txt')).toBe('1');
    // nothing left over: derived files (clean_watch.csv) and the artifacts are git-ignored
    expect(git(ws.workdir, 'status', '--porcelain')).toBe('');

    // DVC: .dvc md5/size are the files; cache and remote hold them at files/md5/xx/yyyy
    for (const dvc of VERSION_FILES.filter((f) => f.endsWith('.dvc'))) {
      const out = parseDvcFile(git(ws.remote, 'show', `main:${dvc}`), dvc);
      const file = join(ws.workdir, dvc.replace(/\.dvc$/, ''));
      expect(out.md5).toBe(await md5File(file));
      expect(out.size).toBe(statSync(file).size);
      expect(existsSync(join(ws.workdir, '.dvc/cache', objectRelPath(out.md5)))).toBe(true);
      expect(await md5File(join(ws.dvcRemote, objectRelPath(out.md5)))).toBe(out.md5);
    }
    expect(git(ws.remote, 'show', 'main:.dvc/config')).toContain(`url = ${ws.dvcRemote}`);

    // lineage
    const row = await findTracking(pool, '1');
    expect(row).toMatchObject({
      versionNumber: '1',
      gitCommit: summary.commit,
      dataMd5: await md5File(join(ws.workdir, 'data/clean_rating.csv')),
      modelMd5: await md5File(join(ws.workdir, 'models/1/model.bin')),
      ratingCount: 3000,
      params: { factors: 20, epochs: 10, holdout: 0.2 },
    });
    expect(row?.modelRmse).toBeCloseTo(summary.rmse as number, 10);

    // notifications
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toMatch(/^\[Marquee\] OK: model version 1 published \(RMSE 0\.\d{4}, nDCG@20 0\.\d{1,4}\)$/);
    expect(mails[0].body).toMatch(new RegExp(`\ncommit: +${summary.commit}\n`));
    expect(mails[0].body).toMatch(/ratings:\s+3000/);
    expect(posts).toHaveLength(1);
    expect(posts[0].text).toMatch(/model version 1 published/);

    // every log line is `timestamp component level message`
    const logLines = readFileSync(ws.logFile, 'utf8').trim().split('\n');
    expect(logLines.length).toBeGreaterThan(10);
    for (const l of logLines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \S+ (DEBUG|INFO|WARN|ERROR) \S/);

    // a second run with more data publishes version 2 beside version 1
    const more = await produce(logLinesFor(ratings.slice(3000)));
    const second = await run(more.env);
    expect(second.summary).toMatchObject({ status: 'published', version: 2 });
    expect(versionCommits(ws.remote)).toEqual(['Data and Model version update: [2]', 'Data and Model version update: [1]']);
    expect(readdirSync(join(ws.workdir, 'models')).sort()).toEqual(['1', '2']);
    expect(await latestTrackedVersion(pool)).toBe(2);
    expect((await findTracking(pool, '2'))?.ratingCount).toBe(ratings.length);
    expect((await findTracking(pool, '2'))?.dataMd5).not.toBe(row?.dataMd5);
  });

  it('is reproducible from git + the DVC remote: a fresh clone pulls the data and a loadable model', async () => {
    const { ws, run } = await setup();
    const { summary } = await run({}, writeLines(ws, logLinesFor(seedRatings(2500))));
    expect(summary.status).toBe('published');

    const cloneRoot = mkdtempSync(join(tmpdir(), 'marquee-clone-'));
    cleanups.push(async () => rmSync(cloneRoot, { recursive: true, force: true }));
    const clone = join(cloneRoot, 'work');
    execFileSync('git', ['clone', '-q', ws.remote, clone]);
    const remoteUrl = /url = (.*)/.exec(readFileSync(join(clone, '.dvc/config'), 'utf8'))?.[1] as string;
    for (const dvc of ['data/clean_rating.csv.dvc', 'data/clean_watch.csv.dvc', 'models/1/model.bin.dvc', 'models/1/rating.bin.dvc', 'models/1/manifest.json.dvc']) {
      await dvcPull(join(clone, dvc), remoteUrl);
    }
    for (const data of ['data/clean_rating.csv', 'data/clean_watch.csv']) expect(await md5File(join(clone, data))).toBe(await md5File(join(ws.workdir, data)));
    // Both models: the ranking model served and the rating model the RMSE gate judged.
    const { manifest, rating } = await loadArtifact(join(clone, 'models/1'), { rating: true });
    expect(rating?.userIds.length).toBeGreaterThan(0);
    expect(manifest.version).toBe('1');
    expect(manifest.data.md5).toBe(summary.dataMd5);
    expect(git(clone, 'status', '--porcelain')).toBe('');
  });

  it('stops at a failed gate: no commit, version.txt unchanged, failure notifications carry the RMSE', async () => {
    const { ws, pool, run } = await setup();
    const before = versionedState(ws.workdir);
    const { summary, mails, posts } = await run({ GATE_RMSE: '0.1' }, writeLines(ws, logLinesFor(seedRatings(2500))));

    expect(summary).toMatchObject({ status: 'gate-failed', version: 1, threshold: 0.1 });
    const rmse = (summary.rmse as number).toFixed(4);
    expect(versionCommits(ws.remote)).toEqual([]);
    expect(git(ws.workdir, 'log', '--format=%s')).toBe('initial');
    expect(existsSync(join(ws.workdir, 'data/version.txt'))).toBe(false);
    expect(versionedState(ws.workdir)).toEqual({ ...before, 'data/': 'dir', 'models/': 'dir' });
    expect(readdirSync(join(ws.workdir, 'models'))).toEqual([]);
    expect(readdirSync(ws.dvcRemote)).toEqual([]);
    expect(await latestTrackedVersion(pool)).toBeNull();

    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe(`[Marquee] FAILED: quality gate failed: RMSE ${Number(rmse)} >= 0.1`);
    expect(mails[0].body).toContain(`RMSE ${Number(rmse)}, not below the threshold 0.1`);
    expect(posts).toHaveLength(1);
    const fields = (posts[0].attachments as Array<{ fields: Array<{ title: string; value: string }> }>)[0].fields;
    expect(fields).toContainEqual({ title: 'rmse', value: String(Number(rmse)), short: true });
    expect(fields).toContainEqual({ title: 'threshold', value: '0.1', short: true });
  });

  it('refuses data that shrank against the last version: fails naming the counts, alerts, consumes and versions nothing', async () => {
    const { ws, pool, run } = await setup();
    const ratings = seedRatings();
    expect((await run({}, writeLines(ws, logLinesFor(ratings.slice(0, 3000))))).summary.status).toBe('published');
    const csv = join(ws.workdir, 'data/clean_rating.csv');
    const whole = readFileSync(csv, 'utf8');
    const rows = whole.split('\n').slice(1, -1);
    expect(rows).toHaveLength(3000);
    // Cut at a row boundary: a well-formed file with half the ratings.
    writeFileSync(csv, `${whole.split('\n')[0]}\n${rows.slice(0, 1500).join('\n')}\n`);
    const head = git(ws.remote, 'rev-parse', 'main');
    const before = versionedState(ws.workdir);
    const more = await produce(logLinesFor(ratings.slice(3000)));

    const { summary, mails, posts } = await run(more.env);
    expect(summary).toMatchObject({ status: 'failed', failedStep: 'collect', version: 2, previousVersion: 1, rolledBack: true });
    expect(summary.error).toMatch(/data\/clean_rating\.csv shrank: 1500 valid rows, the last version had 3000 \(version 1, from the DVC cache object [0-9a-f]{32}\); refusing to version it, version 1 keeps serving/);
    expect(exitCodeFor(summary)).toBe(1);
    // the previous version keeps serving: no commit, no version, no model folder, no tracking row
    expect(git(ws.remote, 'rev-parse', 'main')).toBe(head);
    expect(versionCommits(ws.remote)).toEqual(['Data and Model version update: [1]']);
    expect(readFileSync(join(ws.workdir, 'data/version.txt'), 'utf8')).toBe('1\n');
    expect(versionedState(ws.workdir)).toEqual(before);
    expect(readdirSync(join(ws.workdir, 'models'))).toEqual(['1']);
    expect(await latestTrackedVersion(pool)).toBe(1);
    // refused before reading the topic: nothing consumed onto the cut file, so restoring it loses nothing
    expect((await committedOffsets([BROKERS], more.env.KAFKA_GROUP_ID, more.topic)).get(0)).toBe(-1);
    expect(readFileSync(csv, 'utf8').split('\n').length).toBe(1502);
    // the alert names the counts on both channels
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe("[Marquee] FAILED: pipeline run failed at step 'collect'");
    expect(mails[0].body).toContain('shrank: 1500 valid rows, the last version had 3000');
    expect(posts).toHaveLength(1);
    const fields = (posts[0].attachments as Array<{ fields: Array<{ title: string; value: string }> }>)[0].fields;
    expect(fields.find((f) => f.title === 'error')?.value).toContain('shrank: 1500 valid rows, the last version had 3000');

    // once the file is restored, the next run versions everything
    writeFileSync(csv, whole);
    const again = await run(more.env);
    expect(again.summary).toMatchObject({ status: 'published', version: 2, ratings: ratings.length });
  });

  it('versions nothing when its Kafka window read nothing while a killed collector still holds the partition', async () => {
    const { ws, pool, run } = await setup();
    const ratings = seedRatings();
    expect((await run({}, writeLines(ws, logLinesFor(ratings.slice(0, 2500))))).summary.status).toBe('published');
    const more = await produce(logLinesFor(ratings.slice(2500)));
    const group = more.env.KAFKA_GROUP_ID;
    await killHolder(await startHolder(more.topic, group, 6_000));

    const { summary, mails } = await run({ ...more.env, INGEST_WINDOW_MS: '2000', INGEST_IDLE_MS: '1000' });
    expect(summary).toMatchObject({ status: 'failed', failedStep: 'collect', version: 2, rolledBack: true });
    expect(summary.error).toMatch(new RegExp(`^Kafka topic ${more.topic}: read nothing, but consumer group ${group} has ${more.env.INGEST_MAX_MESSAGES} messages pending`));
    expect(exitCodeFor(summary)).toBe(1);
    expect(versionCommits(ws.remote)).toEqual(['Data and Model version update: [1]']);
    expect(readdirSync(join(ws.workdir, 'models'))).toEqual(['1']);
    expect(await latestTrackedVersion(pool)).toBe(1);
    expect(mails).toHaveLength(1);
    expect(mails[0].body).toContain(`consumer group ${group} has ${more.env.INGEST_MAX_MESSAGES} messages pending`);
  }, 60_000);

  it('retries a failing push, reports it, and leaves the working copy, cache, models and version as they were', async () => {
    const { ws, pool, logs, run } = await setup();
    const ratings = seedRatings();
    expect((await run({}, writeLines(ws, logLinesFor(ratings.slice(0, 2500))))).summary.status).toBe('published');
    const head = git(ws.workdir, 'rev-parse', 'HEAD');
    const before = versionedState(ws.workdir);
    const remoteBefore = treeOf(ws.dvcRemote);
    const status = git(ws.workdir, 'status', '--porcelain', '--ignored');
    renameSync(ws.remote, `${ws.remote}.unreachable`);

    logs.length = 0;
    const { summary, mails, posts } = await run({ PIPELINE_PUSH_TRIES: '3' }, writeLines(ws, logLinesFor(ratings.slice(2500))));
    expect(summary).toMatchObject({ status: 'failed', failedStep: 'publish', version: 2, rolledBack: true });
    expect(summary.error).toMatch(/^failed after 3 attempts: .*does not appear to be a git repository/);
    expect(logs.filter((l) => l.includes('push failed; retrying'))).toHaveLength(2);
    expect(logs.filter((l) => /pushing .*attempt=\d/.test(l)).length).toBe(3);

    expect(git(ws.workdir, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(ws.workdir, 'status', '--porcelain', '--ignored')).toBe(status);
    expect(readFileSync(join(ws.workdir, 'data/version.txt'), 'utf8')).toBe('1\n');
    expect(versionedState(ws.workdir)).toEqual(before);
    expect(treeOf(ws.dvcRemote)).toEqual(remoteBefore);
    expect(await latestTrackedVersion(pool)).toBe(1);

    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe("[Marquee] FAILED: pipeline run failed at step 'publish'");
    expect(mails[0].body).toContain('failed after 3 attempts');
    expect(mails[0].body).toContain('Nothing was versioned');
    expect(posts[0].text).toMatch(/failed at step 'publish'/);

    // once the remote is back, the next run publishes version 2 with all the data
    renameSync(`${ws.remote}.unreachable`, ws.remote);
    const again = await run({}, writeLines(ws, []));
    expect(again.summary).toMatchObject({ status: 'published', version: 2, ratings: ratings.length });
  });
});

/** Log lines of `user` watching minutes 0..minutes-1 of each movie. */
const watching = (user: number, movies: string[], minutes: number, at: string) =>
  movies.flatMap((movie) => Array.from({ length: minutes }, (_, m) => watchLine(at, user, movie, m)));

describe('pipeline run: the ranking model and the relative gate (issue 9)', () => {
  // A planted taste: 12 films only a group of 20 users watches (long ago, so the recent chart
  // ignores them), each user 9 of the 12. A new user who only watches films 1-6 should be offered 7-12.
  const PLANTED = Array.from({ length: 12 }, (_, k) => `planted+film+${k + 1}+1997`);
  const GROUP = Array.from({ length: 20 }, (_, j) => 900_001 + j);
  const WATCHER = 900_100;
  const groupLines = GROUP.flatMap((user, j) =>
    watching(
      user,
      PLANTED.filter((_, k) => (k + j) % 4 !== 0),
      45,
      '1997-01-01T10:00:00',
    ),
  );

  /** What the service answers `user` with this version's model (the inference recommender, cold start on). */
  async function served(workdir: string, version: number, user: number) {
    const { model } = await loadArtifact(join(workdir, 'models', String(version)));
    const r = createRecommender(model, { cacheSize: 0, rank: topNForUser, coldStartBelow: DEFAULT_COLD_START_BELOW });
    return { answer: r.recommend(user) as string, chart: r.coldStart };
  }

  const fieldsOf = (post: Record<string, unknown>) =>
    Object.fromEntries((post.attachments as Array<{ fields: Array<{ title: string; value: string }> }>)[0].fields.map((f) => [f.title, f.value]));

  it('learns a watch-only user from their watches, and gates each candidate against the served model', async () => {
    const { ws, pool, logs, run } = await setup();
    // The relative gate scores held-out interactions neither model trained on: the runs split by
    // (user, movie) pair, so the pairs version 1 held out stay held out and count too (not only
    // the ratings each run adds).
    const all = seedRatings(100_000);
    const [a, b] = [Math.floor(all.length / 2), Math.floor((all.length * 3) / 4)];
    const ratings = all.slice(0, a);

    // Version 1: nothing is served yet, so the relative gate has nothing to compare with.
    const first = await run({}, writeLines(ws, [...logLinesFor(ratings), ...groupLines]));
    expect(first.summary).toMatchObject({ status: 'published', version: 1, relativeGate: { decision: 'no-baseline', servedVersion: null, users: 0 } });
    expect(first.summary.ranking?.ndcgAt20).toBeGreaterThan(0);
    expect(first.mails[0].body).toContain('Relative gate (no-baseline): no model is served yet: nothing to compare with.');
    expect(fieldsOf(first.posts[0])).toMatchObject({ relative_gate: 'no-baseline' });
    const row1 = await findTracking(pool, '1');
    expect(row1?.gate).toMatchObject({ decision: 'no-baseline', baselineVersion: null, users: 0, diff: null, low: null, high: null, confidence: 0.95, tolerance: 0.01 });
    expect(row1?.ranking?.ndcgAt20).toBeCloseTo(first.summary.ranking!.ndcgAt20!, 10);

    // The watcher is unknown to version 1: the recent chart, with none of the planted films.
    const before = await served(ws.workdir, 1, WATCHER);
    expect(before.answer).toBe(before.chart);
    expect(before.chart.split(',').filter((m) => PLANTED.includes(m))).toEqual([]);

    // Version 2 learns from the watcher's watches (films 1-6, never a rating).
    const second = await run({}, writeLines(ws, [...logLinesFor(all.slice(a, b)), ...watching(WATCHER, PLANTED.slice(0, 6), 45, '1997-02-01T10:00:00')]));
    expect(second.summary).toMatchObject({ status: 'published', version: 2, relativeGate: { decision: 'pass', servedVersion: '1' } });
    const g2 = second.summary.relativeGate!;
    expect(g2.users).toBeGreaterThan(5);
    expect(g2.low!).toBeLessThanOrEqual(g2.diff!);
    expect(g2.high!).toBeGreaterThanOrEqual(g2.diff!);
    expect(g2.high!).toBeGreaterThanOrEqual(-0.01);
    const after = await served(ws.workdir, 2, WATCHER);
    const list = after.answer.split(',');
    expect(after.answer).not.toBe(after.chart);
    expect(list.filter((m) => PLANTED.slice(0, 6).includes(m))).toEqual([]); // seen
    expect(list.slice(0, 6).sort()).toEqual(PLANTED.slice(6).sort()); // the rest of the planted taste first

    // ...and its relative gate is in the alert and the tracking row.
    expect(second.mails[0].body).toMatch(/Relative gate \(pass\): nDCG@20 0\.\d{4} vs 0\.\d{4} \(version 1\): difference -?0\.\d{4}, 95% interval \[-?0\.\d{4}, -?0\.\d{4}\] over \d+ users/);
    expect(second.mails[0].body).toMatch(/\nndcg_diff_interval: +\[-?0\.\d+, -?0\.\d+\] at 95%\n/);
    expect(fieldsOf(second.posts[0])).toMatchObject({ relative_gate: 'pass', served_version: '1', gate_users: String(g2.users) });
    const row2 = await findTracking(pool, '2');
    expect(row2?.gate).toMatchObject({ decision: 'pass', baselineVersion: '1', users: g2.users, confidence: 0.95, tolerance: 0.01 });
    for (const [k, v] of [['candidateNdcg', g2.candidateNdcg], ['baselineNdcg', g2.servedNdcg], ['diff', g2.diff], ['low', g2.low], ['high', g2.high]] as const) {
      expect(row2?.gate?.[k]).toBeCloseTo(v!, 10);
    }
    expect(row2?.ranking).toMatchObject({ ndcgAt20: expect.any(Number), precisionAt20: expect.any(Number), recallAt20: expect.any(Number), coverage: expect.any(Number), popularityBias: expect.any(Number) });

    // A deliberately worse candidate (no ALS sweep: every user vector stays zero) is refused;
    // version 2 keeps serving.
    const head = git(ws.remote, 'rev-parse', 'main');
    const third = await run({ TRAIN_RANK_ITERATIONS: '0' }, writeLines(ws, logLinesFor(all.slice(b))));
    expect(third.summary).toMatchObject({ status: 'gate-failed', version: 3, previousVersion: 2, refusedBy: ['relative'], relativeGate: { decision: 'refuse', servedVersion: '2' } });
    expect(third.summary.rmse).toBeLessThan(1);
    const g3 = third.summary.relativeGate!;
    expect(g3.high!).toBeLessThan(-0.01);
    expect(g3.candidateNdcg!).toBeLessThan(g3.servedNdcg!);
    expect(exitCodeFor(third.summary)).toBe(3);
    expect(logs.filter((l) => /run stopped by the gate .*relative_gate=refuse refused_by=relative/.test(l))).toHaveLength(1);
    expect(git(ws.remote, 'rev-parse', 'main')).toBe(head);
    expect(readFileSync(join(ws.workdir, 'data/version.txt'), 'utf8')).toBe('2\n');
    expect(readdirSync(join(ws.workdir, 'models')).sort()).toEqual(['1', '2']);
    expect(await latestTrackedVersion(pool)).toBe(2);
    expect(await findTracking(pool, '3')).toBeNull();
    expect(third.mails).toHaveLength(1);
    expect(third.mails[0].subject).toMatch(/^\[Marquee\] FAILED: relative gate refused version 3: nDCG@20 0\.\d+ vs 0\.\d+ of served version 2$/);
    expect(third.mails[0].body).toContain('Relative gate (refuse): ');
    expect(third.mails[0].body).toContain('Nothing was versioned; version 2 keeps serving.');
    expect(fieldsOf(third.posts[0])).toMatchObject({ refused_by: 'relative', relative_gate: 'refuse', served_version: '2' });
    expect((await served(ws.workdir, 2, WATCHER)).answer).toBe(after.answer);
  }, 120_000);
});
