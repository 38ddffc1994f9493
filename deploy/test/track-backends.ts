// Tiny replicas for NGINX load tests: one node:http server per track, answering 200 with its
// track name (X-Serving-Track) and the URL it got. They run in a child process of their own, so a
// pause of the test's event loop (the load generator, vitest) cannot push an answer past NGINX's
// 180 ms read timeout and turn into a 504 that has nothing to do with the change under test.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { stopChild } from '../../services/core/child-process.ts';

const SERVERS = `
const http = require('node:http');
const tracks = JSON.parse(process.argv[1]);
Promise.all(tracks.map((track) => new Promise((resolve) => {
  const server = http.createServer((req, res) => {
    res.setHeader('X-Serving-Track', track);
    res.end(JSON.stringify({ track, url: req.url }));
  });
  server.listen(0, '127.0.0.1', () => resolve([track, '127.0.0.1:' + server.address().port]));
}))).then((pairs) => process.stdout.write(JSON.stringify(Object.fromEntries(pairs)) + '\\n'));
`;

const WARM_UP_REQUESTS = 200;

export interface TrackBackends {
  /** `host:port` per track name. */
  addresses: Record<string, string>;
  stop(): Promise<void>;
}

export async function startTrackBackends(tracks: string[]): Promise<TrackBackends> {
  const child = spawn(process.execPath, ['-e', SERVERS, JSON.stringify(tracks)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const addresses = JSON.parse(line.toString()) as Record<string, string>;
  // Warm up directly, not through NGINX: a cold server's first answers (code still being compiled)
  // can miss the read timeout, and three misses take it out of NGINX's rotation for 10 s.
  for (const address of Object.values(addresses)) {
    for (let i = 0; i < WARM_UP_REQUESTS; i++) await (await fetch(`http://${address}/recommend/${i}`)).arrayBuffer();
  }
  return { addresses, stop: () => stopChild(child, 'SIGTERM', 2000) };
}
