// The generated standalone validators match the block schemas, and both paths agree.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateValidators } from '../../compiler/schemas/generate.js';
import { blockSchemas } from '../../compiler/schemas/blocks.js';
import { kindTypes } from '../../compiler/schemas/blocks.js';

describe('block schemas', () => {
  it('compiler/schemas/validators.generated.ts is up to date (run: node --import tsx compiler/schemas/generate.ts)', () => {
    expect(readFileSync('compiler/schemas/validators.generated.ts', 'utf8')).toBe(generateValidators());
  });

  it('there is one schema per block type, and every block rejects unknown keys', () => {
    for (const [kind, types] of Object.entries(kindTypes)) {
      for (const key of types === null ? [kind] : types.map((t) => `${kind}.${t}`)) {
        const s = blockSchemas[key];
        expect(s, key).toBeDefined();
        expect(s!.additionalProperties, key).toBe(false);
      }
    }
  });
});
