// The ceilings the serving benchmark compares the service with, each a child process:
//   tsx scripts/bench/_serving-baseline.ts express|http
// `express`: an Express 5 route returning a fixed 20-id string (res.send, Express defaults);
// `http`: node:http answering the same string. Listens on an ephemeral port and logs it the way
// the service does (`listening ... port=N`). Not a suite itself (the leading _ hides it from index.ts).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

const BODY = Array.from({ length: 20 }, (_, i) => `some+movie+title+${i}+${1990 + i}`).join(',');
const kind = process.argv[2];

const server =
  kind === 'express'
    ? (() => {
        const app = express();
        app.get('/recommend/:userId', (_req, res) => {
          res.type('text/plain').send(BODY);
        });
        return createServer(app);
      })()
    : kind === 'http'
      ? createServer((_req, res) => {
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end(BODY);
        })
      : undefined;
if (!server) {
  process.stderr.write('usage: tsx scripts/bench/_serving-baseline.ts express|http\n');
  process.exit(2);
}
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`baseline ${kind} listening port=${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
