// Helpers for the deployment-file tests: read repo files and pick apart the configs.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const readRepo = (path: string): string => readFileSync(resolve(REPO, path), 'utf8');

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  environment?: Record<string, string>;
  healthcheck?: { test: string[] | string; interval?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  volumes?: string[];
  restart?: string;
  profiles?: string[];
  user?: string;
  command?: string[] | string;
  init?: boolean;
  secrets?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, { ipam?: { config?: Array<{ subnet?: string }> } }>;
}

/** docker-compose.yml with YAML merge keys (`<<: *anchor`) applied, as Compose does. */
export function parseCompose(text = readRepo('docker-compose.yml')): ComposeFile {
  return parse(text, { merge: true }) as ComposeFile;
}

export interface UpstreamServer {
  host: string;
  port: number;
  weight: number;
  params: string[];
}

/** Server lines of `upstream <name> { ... }` in an nginx.conf; weight defaults to 1 as in NGINX. */
export function upstreamServers(conf: string, name: string): UpstreamServer[] {
  const block = new RegExp(`upstream\\s+${name}\\s*\\{([^}]*)\\}`).exec(conf);
  if (!block) throw new Error(`no upstream ${name} block`);
  return block[1]
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.startsWith('server '))
    .map((l) => {
      const [addr, ...params] = l.replace(/;$/, '').split(/\s+/).slice(1);
      const [host, port] = addr.split(':');
      const w = params.find((p) => p.startsWith('weight='));
      return { host, port: Number(port), weight: w ? Number(w.slice(7)) : 1, params };
    });
}

/** Value of a directive (first occurrence) in an nginx.conf, e.g. `proxy_read_timeout` → `500ms`. */
export function directive(conf: string, name: string): string | undefined {
  return new RegExp(`^\\s*${name}\\s+([^;]+);`, 'm').exec(conf)?.[1].trim();
}

/** NGINX time value in ms (`100ms`, `1s`, `10s`). */
export function nginxMs(value: string): number {
  const m = /^(\d+)(ms|s|m)?$/.exec(value);
  if (!m) throw new Error(`not an nginx time: ${value}`);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
}
