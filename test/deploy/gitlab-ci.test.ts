// .gitlab-ci.yml: test jobs for data, model and the whole app on every branch; deploy from main
// only, over SSH, pulling and starting the release in the background. Each job is a script under
// scripts/ci/; the GitLab story (test/stack/gitlab.stack.test.ts) runs them for real.
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
/** A shell script without its comment lines. */
const code = (path: string) =>
  readRepo(path)
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
const CI_SCRIPTS = ['test-data', 'test-model', 'test-app', 'deploy'].map((n) => `scripts/ci/${n}.sh`);

describe('.gitlab-ci.yml', () => {
  it('runs on an exact Node 24 LTS image with a test stage before deploy', () => {
    expect(ci.image).toMatch(/^node:24\.\d+\.\d+-bookworm$/);
    expect(ci.stages.indexOf('test')).toBeGreaterThanOrEqual(0);
    expect(ci.stages.indexOf('test')).toBeLessThan(ci.stages.indexOf('deploy'));
  });

  it('has the three test jobs in the test stage, on every branch, each running its script', () => {
    for (const name of ['test-data', 'test-model', 'test-app']) {
      expect(job(name), name).toMatchObject({ stage: 'test' });
      expect(job(name).before_script, name).toContain('npm ci --no-audit --no-fund --loglevel=error');
      expect(job(name).script, name).toEqual([`bash scripts/ci/${name}.sh`]);
      expect(job(name).rules, name).toBeUndefined();
      expect(job(name).only, name).toBeUndefined();
    }
  });

  it('does not override GitLab predefined variables', () => {
    expect(Object.keys((ci.variables ?? {}) as object)).not.toContain('CI');
  });

  it('calls only npm scripts that package.json defines', () => {
    const all = Object.values(ci).filter((v): v is Job => typeof v === 'object' && v !== null && 'script' in v);
    const used = new Set([...all.map(text), ...CI_SCRIPTS.map(code)].flatMap((t) => [...t.matchAll(/npm run (\S+)/g)].map((m) => m[1])));
    expect(used.size).toBeGreaterThan(0);
    for (const s of used) expect(scripts[s], `npm run ${s}`).toBeDefined();
  });

  it('test-data pulls from the DVC remote when one is configured, else checks the committed fixture, and says which', () => {
    const t = code('scripts/ci/test-data.sh');
    expect(t).toMatch(/if \[\[ -f \.dvc\/config && -f "\$POINTER" \]\]/);
    expect(t).toMatch(/source DVC/);
    expect(t).toMatch(/scripts\/ci\/dvc-pull\.ts "\$POINTER"/);
    expect(t).toMatch(/source fixture/);
    expect(t).toMatch(/check-data\.ts --file "\$FIXTURE"/);
    expect(t).toContain('data/sample/ratings.csv');
  });

  it('test-model needs nothing outside the repository and gates the RMSE of a real training run', () => {
    const t = code('scripts/ci/test-model.sh');
    expect(t).not.toContain('../shared');
    expect(t).toMatch(/npx vitest run services\/model --exclude services\/model\/test\/training\.int\.test\.ts/);
    expect(readRepo('services/model/test/training.int.test.ts')).toContain('../shared');
    expect(t).toMatch(/train\.ts --ratings data\/sample\/ratings\.csv --holdout 0\.2 .*--json/);
    expect(t).toMatch(/GATE_RMSE="\$\{GATE_RMSE:-1\.0\}"/);
    expect(t).toMatch(/r\.rmse < gate/);
  });

  it('test-app runs the suite without the stack stories (they run this job)', () => {
    expect(code('scripts/ci/test-app.sh')).toMatch(/^npm run test:suite$/m);
    expect(scripts['test:suite']).toMatch(/--suite-only/);
  });

  it('deploys in the deploy stage from main only', () => {
    const deploy = job('deploy');
    expect(deploy.stage).toBe('deploy');
    expect(deploy.rules).toEqual([{ if: '$CI_COMMIT_BRANCH == "main"' }]);
    expect(deploy.script).toEqual(['bash scripts/ci/deploy.sh']);
  });

  it('deploys over SSH with the key and pinned host key from CI variables, on DEPLOY_PORT', () => {
    const t = code('scripts/ci/deploy.sh');
    expect(t).toMatch(/printf '%s\\n' "\$SSH_PRIVATE_KEY" \| tr -d '\\r' >"\$keys\/id"/);
    expect(t).toMatch(/printf '%s\\n' "\$SSH_KNOWN_HOSTS" >"\$keys\/known_hosts"/);
    expect(t).toMatch(/DEPLOY_PORT="\$\{DEPLOY_PORT:-22\}"/);
    expect(t).toMatch(/ssh -p "\$DEPLOY_PORT" -i "\$keys\/id"/);
    expect(t).toMatch(/StrictHostKeyChecking=yes -o UserKnownHostsFile="\$keys\/known_hosts"/);
    expect(t).toMatch(/"\$DEPLOY_USER@\$DEPLOY_HOST"/);
    expect(t).not.toMatch(/StrictHostKeyChecking=no/);
    expect(t).toMatch(/trap 'rm -rf "\$keys"' EXIT/);
  });

  it('pulls, installs and starts the release of data/version.txt in the background', () => {
    const t = code('scripts/ci/deploy.sh');
    const pull = t.indexOf('git pull --ff-only');
    const deps = t.indexOf('bash scripts/ensure-deps.sh');
    const release = t.search(/nohup npm run release -- --model "\$MODEL_VERSION" > release\.log 2>&1 < \/dev\/null &$/m);
    expect(pull).toBeGreaterThan(0);
    expect(deps).toBeGreaterThan(pull);
    expect(release).toBeGreaterThan(deps);
    expect(t).toMatch(/test -s data\/version\.txt \|\| \{ echo "deploy: data\/version\.txt is missing or empty" >&2; exit 1; \}/);
    expect(t).toMatch(/MODEL_VERSION="\$\(.*data\/version\.txt\)"/);
  });

  it('keeps gitlab-ci-local state out of git', () => {
    expect(readRepo('.gitignore').split('\n')).toContain('.gitlab-ci-local/');
  });
});
