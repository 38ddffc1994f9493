import fc from 'fast-check';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { createApp, plainRecommendId, type InferenceApp } from '../app.ts';
import type { ProvenanceRow } from '../provenance/recorder.ts';
import { createRecommender } from '../recommender.ts';
import { REQUEST_ID_SHAPE } from '../request-id.ts';
import { listen, rank, tinyModel } from './fixtures.ts';

const ids = (from: number, to: number) =>
  Array.from({ length: Math.abs(to - from) + 1 }, (_, k) => `m${from < to ? from + k : from - k}`).join(',');

describe('inference app with a loaded model', () => {
  let server: Awaited<ReturnType<typeof listen>>;
  let app: InferenceApp;
  const rows: ProvenanceRow[] = [];

  beforeAll(async () => {
    const model = tinyModel();
    app = createApp({
      recommender: createRecommender(model, { cacheSize: 10, rank }),
      version: 'v7',
      track: 'canary',
      registry: new Registry(),
      recorder: { record: (row) => rows.push(row) },
    });
    server = await listen(app);
  });
  afterAll(() => server.close());

  const get = (path: string, init?: RequestInit) => fetch(server.url + path, init);

  it('answers a known user with 20 unseen ids, best first, as bare comma-separated text', async () => {
    const res = await get('/recommend/20');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const body = await res.text();
    expect(body).toBe(ids(29, 10));
    expect(body.split(',')).toHaveLength(20);
    expect(body).not.toMatch(/[\s]/);
  });

  it('excludes the movies the user has already seen', async () => {
    const body = await (await get('/recommend/10')).text();
    const list = body.split(',');
    expect(list).not.toContain('m29');
    expect(list).not.toContain('m27');
    expect(list.slice(0, 3)).toEqual(['m28', 'm26', 'm25']);
    expect(list).toHaveLength(20);
  });

  it('answers an unknown user with the popularity ranking, never an error', async () => {
    for (const id of ['99', '1', '2147483647']) {
      const res = await get(`/recommend/${id}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(ids(0, 19));
    }
  });

  it('sets the version, track and request-id headers', async () => {
    const res = await get('/recommend/20', { headers: { 'X-Request-Id': 'abc-123.x:y_z' } });
    expect(res.headers.get('x-model-version')).toBe('v7');
    expect(res.headers.get('x-serving-track')).toBe('canary');
    expect(res.headers.get('x-request-id')).toBe('abc-123.x:y_z');
    await res.text();
  });

  it('replaces a missing or insane X-Request-Id with a generated, time-ordered one', async () => {
    const ids: string[] = [];
    for (const headers of [{}, { 'X-Request-Id': 'x'.repeat(65) }, { 'X-Request-Id': 'a b;c' }] as Record<string, string>[]) {
      const res = await get('/recommend/20', { headers });
      const id = res.headers.get('x-request-id') ?? '';
      expect(id).toMatch(REQUEST_ID_SHAPE);
      ids.push(id);
      await res.text();
    }
    expect(new Set(ids).size).toBe(3);
    expect([...ids].sort()).toEqual(ids);
  });

  it.each([
    'abc',
    '0',
    '00',
    '-3',
    '1.5',
    '1e3',
    '+5',
    '0x10',
    '%20',
    '99999999999999999999',
    '2147483648',
    '%00',
    '%0A7',
    '%E0%A4%A',
    '%zz',
    '%',
    '１２', // full-width digits
  ])('refuses userId %j with a one-line 400', async (bad) => {
    const res = await get(`/recommend/${bad}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('x-serving-track')).toBe('canary');
    const body = await res.text();
    expect(body.length).toBeGreaterThan(10);
    expect(body).not.toMatch(/[\r\n]/);
  });

  it('accepts a percent-encoded valid id', async () => {
    const res = await get('/recommend/%32%30');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(ids(29, 10));
  });

  it.each([['GET', '/'], ['GET', '/recommend'], ['GET', '/recommend/'], ['GET', '/recommend/1/2'], ['POST', '/recommend/20'], ['GET', '/nope']])(
    '%s %s is 404',
    async (method, path) => {
      const res = await get(path, { method });
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('not found');
    },
  );

  it('never answers 500, whatever the path segment', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), async (s) => {
        // Both the encoded form and raw text with stray % signs reach the router.
        for (const seg of [encodeURIComponent(s), s.replace(/[/?#\\\s]/g, '%')]) {
          const res = await get(`/recommend/${seg}`);
          await res.arrayBuffer();
          expect([200, 400, 404]).toContain(res.status);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('/healthz and /readyz are 200', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe('ready version=v7');
  });

  it('records one provenance row per served request', async () => {
    rows.length = 0;
    await (await get('/recommend/10', { headers: { 'X-Request-Id': 'prov-1' } })).text();
    await (await get('/recommend/abc')).text();
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({ requestId: 'prov-1', version: 'v7', userId: 10, track: 'canary', status: 200 });
    expect(row.result.split(',')[0]).toBe('m28');
    expect(row.latencyMs).toBeGreaterThanOrEqual(0);
    expect(Math.abs(row.servedAt - Date.now())).toBeLessThan(60_000);
  });

  it('exports the request histogram by route pattern and track, the counter, model_info and default metrics', async () => {
    await (await get('/recommend/20')).text();
    await (await get('/no/such/page')).text();
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    const text = await res.text();
    const labels = 'method="GET",route="/recommend/:userId",status_code="200",track="canary"';
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toMatch(new RegExp(`http_request_duration_seconds_bucket\\{${labels},le="0.001"\\} \\d+`));
    expect(text).toMatch(new RegExp(`http_request_duration_seconds_bucket\\{${labels},le="\\+Inf"\\} \\d+`));
    expect(text).toMatch(new RegExp(`http_request_duration_seconds_count\\{${labels}\\} \\d+`));
    expect(text).toMatch(/http_requests_total\{method="GET",route="unmatched",status_code="404",track="canary"\} [1-9]/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/recommend\/:userId",status_code="400",track="canary"\} [1-9]/);
    expect(text).toContain('model_info{version="v7",track="canary"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
    // Raw paths never become label values.
    expect(text).not.toContain('route="/recommend/20"');
    expect(text).not.toContain('/no/such/page');
  });

  it('histogram buckets are cumulative and end at the count', async () => {
    const text = await (await get('/metrics')).text();
    const series = [...text.matchAll(/^http_request_duration_seconds_bucket\{method="GET",route="\/recommend\/:userId",status_code="200",track="canary",le="([^"]+)"\} (\d+)$/gm)];
    const values = series.map((m) => Number(m[2]));
    expect(values.length).toBe(23);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
    const count = Number(/^http_request_duration_seconds_count\{method="GET",route="\/recommend\/:userId",status_code="200",track="canary"\} (\d+)$/m.exec(text)![1]);
    expect(values[values.length - 1]).toBe(count);
    expect(count).toBeGreaterThan(5);
  });
});

describe('inference app before the model is loaded', () => {
  it('is alive but not ready, and becomes ready on setModel', async () => {
    const app = createApp({ track: 'stable', registry: new Registry() });
    const server = await listen(app);
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      const early = await fetch(`${server.url}/recommend/20`);
      expect(early.status).toBe(503);
      expect(await early.text()).toBe('model not loaded yet');
      // Counted apart from the model's answers, which a release judges.
      const before = await (await fetch(`${server.url}/metrics`)).text();
      expect(before).toContain('http_requests_total{method="GET",route="/recommend (model not loaded)",status_code="503",track="stable"} 1');
      expect(before).not.toMatch(/route="\/recommend\/:userId",status_code="503"/);

      app.setModel(createRecommender(tinyModel(), { cacheSize: 0, rank }), 'sample');
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const res = await fetch(`${server.url}/recommend/20`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-model-version')).toBe('sample');
      expect(res.headers.get('x-serving-track')).toBe('stable');
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain('model_info{version="sample",track="stable"} 1');
    } finally {
      await server.close();
    }
  });
});

describe('inference app metrics at start-up', () => {
  it('exports the GET /recommend 200 series at zero before any request (so increase() counts the first ones)', async () => {
    const app = createApp({ track: 'canary', registry: new Registry() });
    const server = await listen(app);
    try {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const labels = 'method="GET",route="/recommend/:userId",status_code="200",track="canary"';
      expect(text).toContain(`http_requests_total{${labels}} 0`);
      expect(text).toContain(`http_request_duration_seconds_count{${labels}} 0`);
      expect(text).toContain(`http_request_duration_seconds_sum{${labels}} 0`);
      expect(text).toContain(`http_request_duration_seconds_bucket{${labels},le="+Inf"} 0`);
      expect(text).toContain(`http_request_duration_seconds_bucket{${labels},le="0.005"} 0`);
      // Nothing else was counted yet: no other request series before the first request.
      expect(text).not.toMatch(/http_requests_total\{[^}]*status_code="(?!200)/);
    } finally {
      await server.close();
    }
  });
});

describe('plainRecommendId (the /recommend form served before the Express router)', () => {
  const req = (method: string, url: string) => ({ method, url }) as IncomingMessage;
  it('takes GET /recommend/<digits> only', () => {
    expect(plainRecommendId(req('GET', '/recommend/20'))).toBe('20');
    expect(plainRecommendId(req('GET', '/recommend/0'))).toBe('0');
    expect(plainRecommendId(req('GET', '/recommend/99999999999999999999'))).toBe('99999999999999999999');
  });
  it('leaves every other form to Express', () => {
    for (const [method, url] of [
      ['HEAD', '/recommend/20'],
      ['POST', '/recommend/20'],
      ['GET', '/recommend/'],
      ['GET', '/recommend/20/'],
      ['GET', '/recommend/20?x=1'],
      ['GET', '/recommend/%32%30'],
      ['GET', '/RECOMMEND/20'],
      ['GET', '/recommend/-1'],
      ['GET', '/recommend/abc'],
      ['GET', '/recommend'],
      ['GET', '/metrics'],
    ]) {
      expect(plainRecommendId(req(method, url)), `${method} ${url}`).toBeNull();
    }
  });
});

describe('which path answers', () => {
  it('the listener answers the plain forms itself and hands every other request to Express', async () => {
    const app = createApp({
      recommender: createRecommender(tinyModel(), { cacheSize: 10, rank }),
      version: 'v7',
      track: 'stable',
      registry: new Registry(),
    });
    const server = await listen(app);
    try {
      const before = app.plainAnswers;
      expect((await fetch(`${server.url}/recommend/20`)).status).toBe(200);
      expect(app.plainAnswers).toBe(before + 1);
      // The service routes' plain forms too: Express's shapes never reach node's HTTP code on a
      // replica that is only scraped and asked for recommendations (see app.ts).
      for (const path of ['/metrics', '/healthz', '/readyz']) expect((await fetch(server.url + path)).status).toBe(200);
      expect(app.plainAnswers).toBe(before + 4);
      for (const path of ['/recommend/20?x=1', '/recommend/20/', '/recommend/abc', '/healthz/', '/metrics?x=1', '/Metrics', '/readyz/x']) {
        await (await fetch(server.url + path)).text();
      }
      expect((await fetch(`${server.url}/healthz`, { method: 'HEAD' })).status).toBe(200);
      expect(app.plainAnswers).toBe(before + 4);
    } finally {
      await server.close();
    }
  });
});

describe('the plain /metrics when the registry fails', () => {
  it('answers a 4xx with its reason, on the plain form and through Express alike, and serves on', async () => {
    const registry = new Registry();
    const app = createApp({ recommender: createRecommender(tinyModel(), { cacheSize: 10, rank }), version: 'v7', track: 'stable', registry });
    const server = await listen(app);
    try {
      const real = registry.metrics.bind(registry);
      registry.metrics = () => Promise.reject(new Error('collector broke'));
      const before = app.plainAnswers;
      const plain = await fetch(`${server.url}/metrics`);
      expect(app.plainAnswers).toBe(before + 1);
      const routed = await fetch(`${server.url}/metrics?x=1`);
      expect([plain.status, await plain.text()]).toEqual([400, 'bad request']);
      expect([routed.status, await routed.text()]).toEqual([400, 'bad request']);
      registry.metrics = real;
      expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
      expect((await fetch(`${server.url}/recommend/20`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('inference app: /recommend forms through the router and past it answer alike', () => {
  it('gives the same status, headers and body for /recommend/20, /recommend/20/, /recommend/%32%30 and ?q', async () => {
    const registry = new Registry();
    const app = createApp({
      recommender: createRecommender(tinyModel(), { cacheSize: 10, rank }),
      version: 'v7',
      track: 'stable',
      registry,
    });
    const server = await listen(app);
    try {
      const answers = await Promise.all(
        ['/recommend/20', '/recommend/20/', '/recommend/%32%30', '/recommend/20?x=1', '/Recommend/20'].map(async (path) => {
          const res = await fetch(server.url + path, { headers: { 'x-request-id': 'same-id' } });
          const headers = [...res.headers].filter(([k]) => k !== 'date');
          return { status: res.status, headers, body: await res.text() };
        }),
      );
      for (const a of answers.slice(1)) expect(a).toEqual(answers[0]);
      expect(answers[0].status).toBe(200);
      const text = await registry.metrics();
      expect(text).toContain('http_requests_total{method="GET",route="/recommend/:userId",status_code="200",track="stable"} 5');
      for (const bad of ['/recommend/0', '/recommend/x']) {
        const res = await fetch(server.url + bad);
        expect(res.status).toBe(400);
        expect(await res.text()).toMatch(/^userId must be a positive integer/);
      }
    } finally {
      await server.close();
    }
  });
});

describe('inference app when writing the answer throws', () => {
  it('answers the plain /recommend form as the routed one, and keeps serving', async () => {
    const app = createApp({ track: 'stable', registry: new Registry() });
    // A version that is not a legal header value makes setHeader throw.
    app.setModel(createRecommender(tinyModel(), { cacheSize: 10, rank }), 'v\n1');
    const server = await listen(app);
    try {
      const plain = await fetch(`${server.url}/recommend/20`);
      const routed = await fetch(`${server.url}/recommend/20/`);
      expect(plain.status).toBe(routed.status);
      expect(plain.status).toBeGreaterThanOrEqual(400);
      expect(await plain.text()).toBe(await routed.text());
      // Still serving (every answer carries the version header, so each fails the same way).
      expect((await fetch(`${server.url}/recommend/21`)).status).toBe(plain.status);
      // The plain service routes take the same way out as the routed ones.
      for (const path of ['/healthz', '/readyz']) {
        const direct = await fetch(server.url + path);
        const viaExpress = await fetch(`${server.url}${path}?x=1`);
        expect([direct.status, await direct.text()], path).toEqual([viaExpress.status, await viaExpress.text()]);
        expect(direct.status, path).toBeGreaterThanOrEqual(400);
      }
    } finally {
      await server.close();
    }
  });
});

describe('inference app with off-thread ranking', () => {
  it('answers a cache miss when the pool resolves, and the cold-start list when ranking fails everywhere', async () => {
    const model = tinyModel();
    const app = createApp({
      track: 'stable',
      version: 'v1',
      registry: new Registry(),
      recommender: createRecommender(model, {
        cacheSize: 10,
        rank: () => {
          throw new Error('fallback broken too');
        },
        pool: {
          rank: (u, n) =>
            u === 0 ? new Promise((r) => setTimeout(() => r(rank(model, u, n)), 20)) : Promise.reject(new Error('worker died')),
        },
      }),
    });
    const server = await listen(app);
    try {
      const [a, b] = await Promise.all([fetch(`${server.url}/recommend/10`), fetch(`${server.url}/recommend/20`)]);
      expect(a.status).toBe(200);
      expect((await a.text()).split(',').slice(0, 3)).toEqual(['m28', 'm26', 'm25']);
      expect(b.status).toBe(200);
      expect(await b.text()).toBe(ids(0, 19));
    } finally {
      await server.close();
    }
  });
});

describe('inference app when ranking fails', () => {
  it('serves the cold-start list with 200 instead of an error', async () => {
    const app = createApp({
      track: 'stable',
      version: 'v1',
      registry: new Registry(),
      recommender: createRecommender(tinyModel(), {
        cacheSize: 10,
        rank: () => {
          throw new Error('corrupt factors');
        },
      }),
    });
    const server = await listen(app);
    try {
      const res = await fetch(`${server.url}/recommend/20`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(ids(0, 19));
    } finally {
      await server.close();
    }
  });
});

describe('inference app: the rows of one turn of the event loop are written together, before their answers', () => {
  it('answers 20 requests that arrive together after one spool commit of their 20 rows', async () => {
    const events: string[] = [];
    const app = createApp({
      recommender: createRecommender(tinyModel(), { cacheSize: 10, rank }),
      version: 'v7',
      track: 'stable',
      registry: new Registry(),
      recorder: {
        hold: (row) => {
          events.push(`hold ${row.userId}`);
          return null;
        },
        commit: () => {
          events.push('commit');
          return true;
        },
        record: (row) => void events.push(`record ${row.userId} ${row.status}`),
      },
    });
    // Answers go out as the response writes them: watch the writes, in order with the events.
    const server = await listen((req: IncomingMessage, res: ServerResponse) => {
      const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
      res.end = ((...a: unknown[]) => {
        events.push(`send ${req.url!.split('/').pop()}`);
        return end(...a);
      }) as typeof res.end;
      app(req, res);
    });
    try {
      // Pipelined on one connection, in one write: node parses them all in one read.
      const users = Array.from({ length: 20 }, (_, i) => i + 1);
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (text += d));
      socket.write(users.map((u) => `GET /recommend/${u} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
      await vi.waitFor(() => expect(text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(20), { timeout: 5000 });
      socket.destroy();
      expect(events.filter((e) => e === 'commit')).toHaveLength(1);
      const commit = events.indexOf('commit');
      // Every row was held before the commit, and every answer and its record came after it.
      expect(events.slice(0, commit)).toEqual(users.map((u) => `hold ${u}`));
      expect(events.slice(commit + 1).filter((e) => e.startsWith('send'))).toEqual(users.map((u) => `send ${u}`));
      expect(events.slice(commit + 1).filter((e) => e.startsWith('record'))).toEqual(users.map((u) => `record ${u} 200`));
    } finally {
      await server.close();
    }
  });
});

describe('inference app: an answer that fails while its turn is sent', () => {
  it('is abandoned and recorded as such, and the replica keeps serving', async () => {
    const rows: ProvenanceRow[] = [];
    const app = createApp({
      track: 'stable',
      registry: new Registry(),
      recorder: { hold: () => null, commit: () => true, record: (row) => void rows.push({ ...row }) },
    });
    // A version that is not a legal header value makes setHeader throw while the answer is sent.
    app.setModel(createRecommender(tinyModel(), { cacheSize: 10, rank }), 'v\n1');
    const server = await listen(app);
    try {
      await expect(fetch(`${server.url}/recommend/20`)).rejects.toThrow();
      await expect(fetch(`${server.url}/recommend/21`)).rejects.toThrow();
      expect(rows.map((r) => [r.userId, r.status])).toEqual([
        [20, 499],
        [21, 499],
      ]);
      expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('inference app with PROVENANCE=nginx (the X-Provenance header)', () => {
  let server: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    const app = createApp({
      recommender: createRecommender(tinyModel(), { cacheSize: 10, rank }),
      version: 'v7',
      track: 'stable',
      registry: new Registry(),
      provenanceHeader: true,
    });
    server = await listen(app);
  });
  afterAll(() => server.close());

  it('puts the user, the latency and the ids of every 200 GET answer in X-Provenance, on both paths', async () => {
    for (const path of ['/recommend/20', '/recommend/020']) {
      const res = await fetch(server.url + path);
      const body = await res.text();
      expect(res.status).toBe(200);
      const m = /^(\d+) (\d+(?:\.\d+)?) (.*)$/.exec(res.headers.get('x-provenance') ?? '');
      expect(m, path).not.toBeNull();
      expect(m![1]).toBe('20');
      expect(Number(m![2])).toBeGreaterThanOrEqual(0);
      expect(m![3]).toBe(body);
    }
  });

  it('leaves it off HEAD answers and errors', async () => {
    const head = await fetch(`${server.url}/recommend/20`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-provenance')).toBeNull();
    const bad = await fetch(`${server.url}/recommend/abc`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-provenance')).toBeNull();
  });

  it('is refused together with a recorder: one record per answer', () => {
    expect(() => createApp({ track: 'stable', registry: new Registry(), provenanceHeader: true, recorder: { record: () => undefined } })).toThrow(/not both/);
  });
});
