// .gitlab-ci.yml: test jobs for data, model and the whole app on every branch; deploy from main
// only, over SSH, pulling and starting the release in the background.
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readRepo } from './repo.ts';

interface Job {
  stage?: string;
  script?: string[];
  before_script?: string[];
  rules?: Array<{ if?: string; when?: string }>;
  only?: unknown;
  image?: string;
}
const ci = parse(readRepo('.gitlab-ci.yml'), { merge: true }) as Record<string, unknown> & { stages: string[]; image: string };
const job = (name: string) => ci[name] as Job;
const text = (j: Job) => [...(j.before_script ?? []), ...(j.script ?? [])].join('\n');
const scripts = (JSON.parse(readRepo('package.json')) as { scripts: Record<string, string> }).scripts;

describe('.gitlab-ci.yml', () => {
  it('runs on node:20-bookworm with a test stage before deploy', () => {
    expect(ci.image).toBe('node:20-bookworm');
    expect(ci.stages.indexOf('test')).toBeGreaterThanOrEqual(0);
    expect(ci.stages.indexOf('test')).toBeLessThan(ci.stages.indexOf('deploy'));
  });

  it('has the three test jobs in the test stage, on every branch', () => {
    expect(job('test-data')).toMatchObject({ stage: 'test' });
    expect(job('test-data').script).toContain('npm run check-data');
    expect(job('test-model')).toMatchObject({ stage: 'test' });
    expect(job('test-model').script).toContain('npx vitest run services/model');
    expect(job('test-app')).toMatchObject({ stage: 'test' });
    expect(job('test-app').script).toContain('npm test');
    for (const name of ['test-data', 'test-model', 'test-app']) {
      expect(job(name).rules, name).toBeUndefined();
      expect(job(name).only, name).toBeUndefined();
    }
  });

  it('calls only npm scripts that package.json defines', () => {
    const all = Object.values(ci).filter((v): v is Job => typeof v === 'object' && v !== null && 'script' in v);
    const used = new Set(all.flatMap((j) => [...text(j).matchAll(/npm run (\S+)/g)].map((m) => m[1])));
    expect(used.size).toBeGreaterThan(0);
    for (const s of used) expect(scripts[s], `npm run ${s}`).toBeDefined();
  });

  it('deploys in the deploy stage from main only', () => {
    const deploy = job('deploy');
    expect(deploy.stage).toBe('deploy');
    expect(deploy.rules).toEqual([{ if: '$CI_COMMIT_BRANCH == "main"' }]);
  });

  it('deploys over SSH with the key and known hosts from CI variables', () => {
    const t = text(job('deploy'));
    expect(t).toMatch(/eval "\$\(ssh-agent -s\)"/);
    expect(t).toMatch(/echo "\$SSH_PRIVATE_KEY" \| tr -d '\\r' \| ssh-add -/);
    expect(t).toMatch(/known_hosts/);
    expect(t).toMatch(/ssh "\$DEPLOY_USER@\$DEPLOY_HOST"/);
    expect(t).not.toMatch(/StrictHostKeyChecking=no/);
  });

  it('pulls and starts the release of data/version.txt in the background', () => {
    const t = text(job('deploy'));
    const pull = t.indexOf('git pull');
    const release = t.search(/nohup npm run release -- --model "\$MODEL_VERSION" > release\.log 2>&1 .*&$/m);
    expect(pull).toBeGreaterThan(0);
    expect(release).toBeGreaterThan(pull);
    expect(t).toMatch(/MODEL_VERSION="\$\(.*data\/version\.txt\)"/);
  });
});
