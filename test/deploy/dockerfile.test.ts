// Dockerfile: multi-stage on a pinned Node 24 image (a build argument); a runtime with production
// dependencies only, a non-root user, a /healthz HEALTHCHECK, port 8082 and the inference service
// as command. Quick checks of its shape; test/stack/compose.stack.test.ts builds and runs it.
import { describe, expect, it } from 'vitest';
import { parseCompose, readRepo } from './repo.ts';

interface Stage {
  from: string;
  name: string;
  lines: string[];
}

/** Instructions per stage, with line continuations joined and comments dropped. */
function stages(text: string): Stage[] {
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const out: Stage[] = [];
  for (const line of lines) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (from) out.push({ from: from[1], name: from[2] ?? String(out.length), lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

const all = stages(readRepo('Dockerfile'));
const stage = (name: string) => all.find((s) => s.name === name);
const has = (s: Stage | undefined, re: RegExp) => (s?.lines ?? []).some((l) => re.test(l));

describe('Dockerfile', () => {
  it('builds in one stage with dev dependencies and runs from another', () => {
    const build = stage('build');
    expect(build?.from).toBe('${NODE_IMAGE}');
    expect(readRepo('Dockerfile')).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-bookworm-slim$/m);
    expect(has(build, /^RUN npm ci\b/)).toBe(true);
    expect(has(build, /tsc --noEmit/)).toBe(true);
    expect(has(build, /npm prune --omit=dev/)).toBe(true);
  });

  it('runs on the same Node image with the pruned node_modules, as a non-root user', () => {
    const runtime = stage('runtime');
    expect(runtime?.from).toBe('base');
    expect(stage('base')?.from).toBe('${NODE_IMAGE}');
    expect(has(runtime, /^COPY --from=build \/app \/app$/)).toBe(true);
    expect(has(runtime, /^RUN npm (ci|install)/)).toBe(false);
    const user = runtime?.lines.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBe('USER node');
    expect(has(stage('base'), /^ENV .*NODE_ENV=production/)).toBe(true);
  });

  it('checks /healthz, exposes 8082 and starts the inference service', () => {
    const runtime = stage('runtime');
    expect(runtime?.lines.find((l) => l.startsWith('HEALTHCHECK'))).toMatch(/CMD .*\/healthz/);
    expect(has(runtime, /^EXPOSE 8082$/)).toBe(true);
    const cmd = runtime?.lines.find((l) => l.startsWith('CMD'));
    expect(JSON.parse(cmd?.slice(3).trim() ?? '[]')).toEqual(['node', 'services/inference/main.ts']);
  });

  it('has a stage for every compose build target', () => {
    const targets = Object.values(parseCompose().services).map((s) => s.build?.target).filter(Boolean);
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) expect(stage(t as string), t).toBeDefined();
    expect(stage('worker')?.lines.filter((l) => l.startsWith('USER ')).at(-1)).toBe('USER node');
  });

  it('keeps secrets, models and dependencies out of the build context', () => {
    const ignore = readRepo('.dockerignore').split('\n');
    for (const p of ['.env', 'node_modules', 'models', '.git', 'secrets']) expect(ignore, p).toContain(p);
    // only the shipped sample of data/ (the first model is trained on it)
    expect(ignore).toContain('data');
    expect(ignore).toContain('!data/sample');
  });
});
