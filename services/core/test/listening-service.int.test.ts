import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startListening } from '../testing/listening-service.ts';

/** tsx is found from the working directory: the repository's. */
const REPO = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'listening-service-'));
const SERVER = join(dir, 'server.ts');
writeFileSync(
  SERVER,
  `import { createServer } from 'node:http';
const srv = createServer((_q, s) => s.end('hi ' + process.env.GREETING));
srv.listen(Number(process.env.PORT), process.env.HOST, () => {
  console.log('t INFO listening host=' + process.env.HOST + ' port=' + (srv.address() as { port: number }).port);
});
process.on('SIGTERM', () => srv.close());
`,
);
const FAILING = join(dir, 'failing.ts');
writeFileSync(FAILING, "console.error('no model'); process.exit(2);\n");

describe('startListening', () => {
  it('resolves with the port the service says it listens on, and stops it', async () => {
    const service = await startListening(SERVER, { cwd: REPO, env: { GREETING: 'there' } });
    expect(await (await fetch(service.url)).text()).toBe('hi there');
    await service.stop();
    expect((await service.exit).code).toBe(0);
  }, 20_000);

  it('rejects with the output when the service exits first', async () => {
    await expect(startListening(FAILING, { cwd: REPO })).rejects.toThrow(/exited \(code 2\) before listening:\nno model/);
  }, 20_000);
});
