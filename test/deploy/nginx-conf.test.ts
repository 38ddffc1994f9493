// nginx/nginx.conf: one upstream per track (tracks taken from docker-compose.yml's TRACK of each
// server, the other tracks' servers as backups), stable 4/5 and canary 1/5 of the traffic until a
// weight step is written (deploy/config/weights-dir.ts), with passive failover, short
// timeouts, upstream keepalive, request ids and a useful access log. Upstream servers are the
// replicas' static addresses (topology.ts PRODUCTION_REPLICAS; compose gives them the same).
import { describe, expect, it } from 'vitest';
import { PRODUCTION_NETWORK, PRODUCTION_REPLICAS, PRODUCTION_TRIAL_REPLICAS } from '../../deploy/config/topology.ts';
import { directive, nginxMs, parseCompose, readRepo, upstreamServers } from './repo.ts';

const conf = readRepo('nginx/nginx.conf');
const compose = parseCompose();
/** Compose service of an upstream address. */
const serviceAt = (ip: string) => [...PRODUCTION_REPLICAS, ...PRODUCTION_TRIAL_REPLICAS].find((r) => r.ipv4 === ip)?.service ?? `unknown ${ip}`;

describe('nginx/nginx.conf', () => {
  // baseline: a stepped release's (inference-baseline, profile `release`), weight 0 outside one.
  const tracks = ['stable', 'baseline', 'canary'];
  /** Each track's own servers (not its backups). */
  const primaries = Object.fromEntries(tracks.map((t) => [t, upstreamServers(conf, `inference_${t}`).filter((s) => !s.params.includes('backup'))]));
  const servers = tracks.flatMap((t) => primaries[t]);

  it('balances over every inference service of the compose file, by static address', () => {
    const inference = Object.keys(compose.services).filter((n) => n.startsWith('inference-'));
    expect(servers.map((s) => serviceAt(s.host)).sort()).toEqual(inference.sort());
    for (const s of servers) expect(s.port).toBe(Number(compose.services[serviceAt(s.host)].environment?.PORT));
  });

  it('needs no DNS: addresses in the production subnet, no resolve parameter, no resolver', () => {
    const [net, bits] = PRODUCTION_NETWORK.subnet.split('/');
    expect(bits).toBe('24');
    const prefix = net.split('.').slice(0, 3).join('.');
    for (const s of servers) {
      expect(s.host).toMatch(new RegExp(`^${prefix.replaceAll('.', '\\.')}\\.\\d+$`));
      expect(s.host).not.toBe(PRODUCTION_NETWORK.gateway);
      expect(s.params).not.toContain('resolve');
    }
    expect(new Set(servers.map((s) => s.host)).size).toBe(servers.length);
    expect(directive(conf, 'resolver')).toBeUndefined();
  });

  it("serves each track from its own servers, the others' as backups, never the baseline (up only during a release)", () => {
    const baseline = new Set((primaries.baseline ?? []).map((s) => s.host));
    for (const t of tracks) {
      for (const s of primaries[t]) expect(compose.services[serviceAt(s.host)].environment?.TRACK, s.host).toBe(t);
      const backups = upstreamServers(conf, `inference_${t}`).filter((s) => s.params.includes('backup'));
      const expected = servers.filter((s) => !primaries[t].includes(s) && !baseline.has(s.host));
      expect(backups.map((s) => s.host).sort()).toEqual(expected.map((s) => s.host).sort());
    }
    expect(baseline.size).toBeGreaterThan(0);
  });

  it('gives stable exactly 4:1 of the traffic over canary until a weight step is written', () => {
    expect(conf).toMatch(/split_clients "\$\{request_id\}" \$marquee_default_track \{\s*20% canary;\s*\* stable;\s*\}/);
    expect(conf).toContain('if (-f /etc/nginx/weights/current/$marquee_slot.canary) { set $marquee_track canary; }');
    expect(directive(conf, 'proxy_pass')).toBe('http://inference_$marquee_track');
  });

  it('never marks a server down (a slow spell would take out all of them) and retries the next one', () => {
    // What this does to NGINX for real: deploy/test/nginx-slow-spell.int.test.ts.
    for (const s of servers) expect(s.params, s.host).toContain('max_fails=0');
    expect(directive(conf, 'proxy_next_upstream')?.split(/\s+/)).toEqual(expect.arrayContaining(['error', 'timeout', 'http_502', 'http_503']));
  });

  it('answers within the simulator\'s 600 ms: the retry window plus one whole try, with margin', () => {
    const connect = nginxMs(directive(conf, 'proxy_connect_timeout') ?? '');
    const read = nginxMs(directive(conf, 'proxy_read_timeout') ?? '');
    const window = nginxMs(directive(conf, 'proxy_next_upstream_timeout') ?? '');
    expect(connect).toBeLessThanOrEqual(100);
    expect(nginxMs(directive(conf, 'proxy_send_timeout') ?? '')).toBeLessThanOrEqual(read);
    expect(window + connect + read).toBeLessThanOrEqual(600 - 80);
  });

  it('keeps upstream connections alive', () => {
    expect(directive(conf, 'keepalive')).toBe('32');
    expect(directive(conf, 'proxy_http_version')).toBe('1.1');
    expect(directive(conf, 'proxy_set_header Connection')).toBe('""');
  });

  it('passes a plain-token X-Request-Id through, else mints a time-ordered one from $msec and $request_id', () => {
    // (up to the closing brace on a line of its own: the pattern has braces)
    const map = /map \$http_x_request_id \$(\w+) \{([\s\S]*?)\n\s*\}/.exec(conf);
    expect(map).not.toBeNull();
    expect(map?.[2]).toContain('"~^[A-Za-z0-9._:-]{1,64}$" $http_x_request_id;');
    // minted: <$msec>-<16 hex of $request_id>, so that ids sort by time
    expect(map?.[2]).toMatch(/default\s+"\$msec-\$marquee_random_id";/);
    expect(conf).toMatch(/map \$request_id \$marquee_random_id \{\s*"~\^\(\?<head>\[0-9a-f\]\{16\}\)"\s+\$head;\s*\}/);
    expect(directive(conf, 'proxy_set_header X-Request-Id')).toBe(`$${map?.[1]}`);
  });

  it('logs the upstream address and timings', () => {
    const format = /log_format\s+(\w+)([^;]*);/.exec(conf);
    for (const v of ['$upstream_addr', '$upstream_status', '$request_time', '$upstream_connect_time', '$upstream_response_time']) {
      expect(format?.[2]).toContain(v);
    }
    expect(directive(conf, 'access_log')).toMatch(new RegExp(` ${format?.[1]}$`));
  });

  it('listens on 8082 with an /nginx-health location', () => {
    expect(directive(conf, 'listen')).toBe('8082');
    expect(conf).toMatch(/location = \/nginx-health \{[^}]*return 200/);
  });

  it('proxies only /recommend/ (behaviour: deploy/test/nginx-edge.int.test.ts)', () => {
    // (a location's `if (...) { set ...; }` lines hold braces of their own)
    const proxied = [...conf.matchAll(/location ([^{]+)\{(?:[^}]|\{[^}]*\})*proxy_pass/g)].map((m) => m[1].trim());
    expect(proxied).toEqual(['/recommend/']);
    expect(conf).toMatch(/location \/ \{[^}]*return 404/);
  });
});
