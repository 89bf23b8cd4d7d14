// QA: a changed input file must be detectable for a cached data node (the compile-time node hash
// sees only the path patterns). dataInputsSignature is the data side of that check.
import { copyFileSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataInputsSignature } from '../../runtime/data/inputs.js';
import { makeSpec } from '../runtime/data/helpers.js';
import { colinCases, writeGlobLayout } from './layouts.js';

let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ssl3d-qa-stale-'));
  await writeGlobLayout(join(dir, 'glob'), await colinCases(3, 8));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = () =>
  makeSpec({ kind: 'nifti', images: ['glob/img/*/T1.nii.gz', 'glob/img/*/FLAIR.nii.gz'], labels: 'glob/seg/*.nii.gz' }, { channels: 2, labels: { kind: 'segmentation', classes: [0, 1] } });

describe('QA: stale input files', () => {
  it('the signature is stable, and changes when a file is replaced or a case is added', async () => {
    const a = await dataInputsSignature(spec(), dir);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await dataInputsSignature(spec(), dir)).toBe(a);
    // replace case000's T1 by case001's (what an edit of the data does), with a new time
    copyFileSync(join(dir, 'glob/img/case001/T1.nii.gz'), join(dir, 'glob/img/case000/T1.nii.gz'));
    utimesSync(join(dir, 'glob/img/case000/T1.nii.gz'), new Date(), new Date(Date.now() + 5000));
    const b = await dataInputsSignature(spec(), dir);
    expect(b).not.toBe(a);
    // a label touched only (same bytes, new time) also counts: stat-based, like make
    utimesSync(join(dir, 'glob/seg/case002.nii.gz'), new Date(), new Date(Date.now() + 9000));
    expect(await dataInputsSignature(spec(), dir)).not.toBe(b);
  });

  it('phantoms have no input files', async () => {
    expect(await dataInputsSignature(makeSpec({ kind: 'phantom3d', anatomy: 'brain', cases: 2, channels: 1, size: [8, 8, 8], labelled: true }), dir)).toBeNull();
  });
});
