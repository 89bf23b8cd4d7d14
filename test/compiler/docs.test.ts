// docs/language.md lists every compiler diagnostic code (generated section kept current).
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codes } from '../../core/codes/compiler.js';
import { withCodes } from '../../compiler/docs.js';

describe('docs/language.md', () => {
  it('has the current diagnostics catalogue (UPDATE_DOCS=1 regenerates it)', () => {
    const doc = readFileSync('docs/language.md', 'utf8');
    const fresh = withCodes(doc);
    if (process.env.UPDATE_DOCS && fresh !== doc) writeFileSync('docs/language.md', fresh);
    expect(process.env.UPDATE_DOCS ? fresh : doc).toBe(fresh);
    for (const c of codes) expect(fresh).toContain(`| ${c.code} |`);
  });

  it('documents every block kind and links the syntax page', () => {
    const doc = readFileSync('docs/language.md', 'utf8');
    for (const k of ['experiment', 'dataset', 'encoder', 'pretext', 'finetune', 'evaluate', 'sweep', 'report']) expect(doc).toContain(`### \`${k}`);
    expect(doc).toContain('(syntax.md)');
  });
});
