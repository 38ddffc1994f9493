// How many of `n` answers through NGINX came from each model version (X-Model-Version); every
// answer must be a 200. Shared by the end-to-end stories that check where traffic lands.
import { expect } from 'vitest';

export async function versionsViaNginx(nginxUrl: string, n: number): Promise<Record<string, number>> {
  const versions: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${nginxUrl}/recommend/${1 + (i % 50)}`);
    await res.body?.cancel();
    expect(res.status).toBe(200);
    const v = res.headers.get('x-model-version') ?? '?';
    versions[v] = (versions[v] ?? 0) + 1;
  }
  return versions;
}
