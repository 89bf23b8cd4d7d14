// docs/railroad.html is generated from the parser; it must be current and self-contained.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { railroadHtml, railroadPath } from '../../scripts/railroad.js';

describe('railroad diagrams', () => {
  it('docs/railroad.html matches the grammar (run `npm run railroad` after grammar changes)', () => {
    const html = railroadHtml();
    expect(html).toContain('"name": "declaration"');
    expect(html).not.toMatch(/<script src=|<link rel='stylesheet'/);
    expect(readFileSync(railroadPath, 'utf8')).toBe(html);
  });
});
