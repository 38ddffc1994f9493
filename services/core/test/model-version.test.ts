// The one rule for a model version's name, shared by manifests, tracking rows and reccom rows.
import { describe, expect, it } from 'vitest';
import { modelVersionSchema, parseModelVersion } from '../model-version.ts';

describe('model version names', () => {
  it('accepts pipeline numbers and the names tests and the bootstrap use', () => {
    for (const v of ['1', '12', 'sample', 'base', 'slow', 'v1.2_rc-3', 'a'.repeat(64)]) {
      expect(parseModelVersion(v, 'version')).toBe(v);
      expect(modelVersionSchema.safeParse(v).success).toBe(true);
    }
  });

  it('refuses what the ascii column could not hold exactly or a log line would mangle, naming the field', () => {
    for (const v of ['', ' 1', 'a b', 'modèle', 'x'.repeat(65), '1;DROP', 'a/b', '..\u0000']) {
      expect(() => parseModelVersion(v, 'manifest version'), JSON.stringify(v)).toThrow(/manifest version .*1-64 letters, digits/);
    }
  });
});
