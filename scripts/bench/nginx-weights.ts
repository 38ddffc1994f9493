// `npm run bench -- nginx-weights`: the same release walk of track weights (10 changes, 200 req/s
// of keep-alive load that never retries; deploy/test/keepalive-load.ts) once by setWeights (a
// weights-directory swap, no reload) and once by rewriting the config and reloading NGINX, three
// times each; prints the client errors (connection resets) of each. The reload count is a race
// (an idle keep-alive connection closed by the old worker just as the client reuses it), which is
// why it is measured here and not asserted in a test.
import { startNginx } from '../../deploy/localstack/nginx.ts';
import { slotCounts } from '../../deploy/config/track-split.ts';
import { walk } from '../../deploy/test/keepalive-load.ts';
import { startTrackBackends } from '../../deploy/test/track-backends.ts';
import { median } from '../../services/core/stats.ts';

const ROUNDS = 3;
const say = (msg: string) => process.stdout.write(`${msg}\n`);

export async function run(): Promise<void> {
  const backends = await startTrackBackends(['stable', 'baseline', 'canary']);
  const { stable, baseline, canary } = backends.addresses;
  const upstreams = { stable: [stable], baseline: [baseline], canary: [canary] };
  const nginx = await startNginx({ port: 0, upstreams, workerProcesses: 2 });
  const errorsOf = (r: { errors: Record<string, number> }) => Object.values(r.errors).reduce((a, b) => a + b, 0);
  const resets: Record<'setWeights' | 'reload', number[]> = { setWeights: [], reload: [] };
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const a = await walk(nginx, async (w) => nginx.setWeights(w).percent);
      resets.setWeights.push(errorsOf(a));
      const b = await walk(nginx, async (w) => {
        await nginx.reload(upstreams, w);
        return slotCounts(w);
      });
      resets.reload.push(errorsOf(b));
      say(`round ${round}: setWeights ${a.sent} requests, client errors ${JSON.stringify(a.errors)}; reload ${b.sent} requests, client errors ${JSON.stringify(b.errors)}`);
    }
    for (const k of ['setWeights', 'reload'] as const) say(`${k}: client errors per walk of 10 changes ${resets[k].join(', ')} (median ${median(resets[k])})`);
  } finally {
    await nginx.stop();
    await backends.stop();
  }
}
