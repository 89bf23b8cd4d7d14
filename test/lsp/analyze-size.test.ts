// The editor's analysis refuses what `ssl3d check` refuses (#17.11): an open document, or an open
// import, over MAX_SOURCE_BYTES gets SSL091 as `check` words it, at once, instead of a compile
// of many seconds (a 5.5 MB document took 14 s).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../cli/lsp/analyze.js';
import { MAX_SOURCE_BYTES } from '../../compiler/index.js';

const dataset = (i: number): string => `dataset d${i} = phantom3d {\n  cases = 8\n}\n`;
const big = (): string => {
  const parts = ['experiment e { seed = 1 }\n'];
  for (let i = 0, n = 0; n <= MAX_SOURCE_BYTES; i++) {
    parts.push(dataset(i));
    n += dataset(i).length;
  }
  return parts.join('');
};

describe('the editor refuses documents over the size check reads', () => {
  it('an open document over 4 MiB: one SSL091 naming its size, without compiling it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssl3d-lsp-size-'));
    try {
      const text = big();
      const r = analyze({ id: 1, path: join(dir, 'big.ssl'), text, overlay: {}, library: false, wantDocument: false });
      expect(r.diagnostics).toHaveLength(1);
      expect(r.diagnostics[0]).toMatchObject({ code: 'SSL091', severity: 'error', span: { file: join(dir, 'big.ssl'), startLine: 1 } });
      expect(r.diagnostics[0]!.message).toContain(`it has ${Buffer.byteLength(text)} bytes; .ssl files are limited to ${MAX_SOURCE_BYTES} bytes`);
      expect(r.millis).toBeLessThan(1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an open import over 4 MiB: SSL091 at the import', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssl3d-lsp-size-'));
    try {
      const main = join(dir, 'main.ssl');
      const text = 'import "lib.ssl"\nexperiment e { seed = 1 }\n';
      const r = analyze({ id: 2, path: main, text, overlay: { [join(dir, 'lib.ssl')]: big() }, library: false, wantDocument: false });
      const refused = r.diagnostics.find((d) => d.code === 'SSL091');
      expect(refused, JSON.stringify(r.diagnostics.map((d) => [d.code, d.message]))).toBeDefined();
      expect(refused!.message).toContain('.ssl files are limited to');
      expect(refused!.span.startLine).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
