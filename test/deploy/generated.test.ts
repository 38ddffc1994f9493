// The committed nginx.conf and prometheus.yml are exactly what the shared renderer produces from
// the production topology, so local NGINX/Prometheus in tests run the production settings.
import { describe, expect, it } from 'vitest';
import { PRODUCTION_FILES } from '../../deploy/config/render-production.ts';
import { readRepo } from './repo.ts';

describe('generated deployment configs', () => {
  for (const f of PRODUCTION_FILES) {
    it(`${f.path} matches its renderer (npm run deploy-config)`, () => {
      expect(readRepo(f.path)).toBe(f.render());
    });
  }
});
