// QA: APTOS-style CSV problems are located at the right file line, even after blank lines.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsvWithLines } from '../../runtime/data/layouts.js';
import { loadDataset } from '../../runtime/data/dataset.js';
import { SslRuntimeError } from '../../runtime/contract.js';
import { makeSpec } from '../runtime/data/helpers.js';
import { writeAptosLayout } from './layouts.js';

let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ssl3d-qa-csv-'));
  await writeAptosLayout(join(dir, 'aptos'), 3, 16);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = (csv: string) =>
  makeSpec({ kind: 'images', root: 'aptos/train_images', csv, idColumn: 'id_code', labelColumn: 'diagnosis', extensions: ['.png'] }, { channels: 3, labels: { kind: 'classification', classes: 5 } });

async function errorOf(csvText: string): Promise<SslRuntimeError> {
  writeFileSync(join(dir, 'x.csv'), csvText);
  try {
    await loadDataset(spec('x.csv'), { baseDir: dir, cacheDir: join(dir, 'cache') });
  } catch (e) {
    if (e instanceof SslRuntimeError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('QA: CSV labels', () => {
  it('parseCsvWithLines keeps file lines across blank lines, CRLF and quoted newlines', () => {
    const r = parseCsvWithLines('a,b\r\n\r\nx,1\n"multi\nline",2\n\ny,3\n');
    expect(r.rows.map((x) => x[0])).toEqual(['a', 'x', 'multi\nline', 'y']);
    expect(r.lines).toEqual([1, 3, 4, 7]);
  });

  it('a grade outside the classes names file:line (after a blank line)', async () => {
    const e = await errorOf('id_code,diagnosis\nimg0000,0\n\nimg0001,9\n');
    expect(e.code).toBe('SSL116');
    expect(e.message).toContain('x.csv:4: diagnosis 9 of img0001 is outside the declared classes 0..4');
  });

  it('a duplicated id is an SSL118 naming both lines', async () => {
    const e = await errorOf('id_code,diagnosis\nimg0000,0\nimg0001,1\nimg0000,2\n');
    expect(e.code).toBe('SSL118');
    expect(e.message).toContain('x.csv:4: id_code img0000 appears twice (first on line 2)');
  });
});
