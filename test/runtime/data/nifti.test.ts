import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { SslRuntimeError } from '../../../runtime/contract.js';
import { decodeNifti, encodeNifti, encodeNiftiRaw, readNifti, writeNifti, type Mat4 } from '../../../runtime/data/nifti.js';
import { tempDir } from './helpers.js';

const FIX = join(import.meta.dirname, '../../fixtures/nifti');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

const eye = (sx = 1, sy = 1, sz = 1): Mat4 => [
  [sx, 0, 0, 0],
  [0, sy, 0, 0],
  [0, 0, sz, 0],
  [0, 0, 0, 1],
];

/** Values 0..n-1 in file order for a [nx,ny,nz] grid. */
const ramp = (n: number, f = (i: number) => i): number[] => Array.from({ length: n }, (_, i) => f(i));

function expectCode(fn: () => unknown, code: string, fileSubstr: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SslRuntimeError);
    const err = e as SslRuntimeError;
    expect(err.code).toBe(code);
    expect(err.message).toContain(fileSubstr);
    expect(err.file).toContain(fileSubstr);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('NIfTI reader', () => {
  const dims = [4, 3, 2];
  const n = 24;
  const cases: Array<[string, number, (i: number) => number]> = [
    ['uint8', 2, (i) => i * 10],
    ['int8', 256, (i) => i - 12],
    ['int16', 4, (i) => (i - 12) * 1000],
    ['uint16', 512, (i) => i * 2000],
    ['int32', 8, (i) => (i - 12) * 100000],
    ['uint32', 768, (i) => i * 100000000],
    ['int64', 1024, (i) => (i - 12) * 2 ** 40],
    ['uint64', 1280, (i) => i * 2 ** 33],
    ['float32', 16, (i) => i * 0.5 - 3.25],
    ['float64', 64, (i) => i * 1e-3 - 0.01],
  ];
  for (const [name, code, f] of cases) {
    for (const le of [true, false]) {
      it(`reads ${name} (${le ? 'little' : 'big'}-endian)`, () => {
        const vals = ramp(n, f);
        const buf = encodeNiftiRaw({ dims, datatype: code, values: vals, pixdim: [1, 1, 1], sform: eye(), littleEndian: le });
        const v = decodeNifti(buf, `${name}.nii`);
        expect(v.datatype).toBe(name);
        expect(v.shape).toEqual([2, 3, 4]);
        expect(v.channels).toBe(1);
        expect(Array.from(v.data)).toEqual(vals.map((x) => Math.fround(x)));
      });
    }
  }

  it('applies scl_slope / scl_inter, and treats slope 0 as no scaling', () => {
    const buf = encodeNiftiRaw({ dims, datatype: 4, values: ramp(n), pixdim: [1, 1, 1], sform: eye(), sclSlope: 0.5, sclInter: -3 });
    expect(Array.from(decodeNifti(buf, 'a.nii').data)).toEqual(ramp(n, (i) => i * 0.5 - 3));
    const none = encodeNiftiRaw({ dims, datatype: 4, values: ramp(n), pixdim: [1, 1, 1], sform: eye(), sclSlope: 0, sclInter: 7 });
    expect(Array.from(decodeNifti(none, 'b.nii').data)).toEqual(ramp(n));
  });

  it('reads 4D images as channels (channels-last)', () => {
    const vals = ramp(n * 3, (i) => i);
    const v = decodeNifti(encodeNiftiRaw({ dims: [4, 3, 2, 3], datatype: 16, values: vals, pixdim: [1, 1, 1], sform: eye() }), '4d.nii');
    expect(v.channels).toBe(3);
    expect(v.shape).toEqual([2, 3, 4]);
    // voxel 5, channel 2 = file value at t=2 plane
    expect(v.data[5 * 3 + 2]).toBe(2 * n + 5);
    expect(v.data[7 * 3 + 0]).toBe(7);
  });

  it('reads RGB24 as three channels', () => {
    const vals = ramp(n * 3, (i) => i % 251);
    const v = decodeNifti(encodeNiftiRaw({ dims, datatype: 128, values: vals, pixdim: [1, 1, 1], sform: eye() }), 'rgb.nii');
    expect(v.channels).toBe(3);
    expect(Array.from(v.data.subarray(0, 6))).toEqual(vals.slice(0, 6));
  });

  it('reads NIfTI-2 (both endians)', () => {
    for (const le of [true, false]) {
      const vals = ramp(n, (i) => i * 1.5);
      const v = decodeNifti(encodeNiftiRaw({ dims, datatype: 16, values: vals, pixdim: [2, 2, 2], sform: eye(2, 2, 2), version: 2, littleEndian: le }), 'n2.nii');
      expect(v.version).toBe(2);
      expect(v.spacing).toEqual([2, 2, 2]);
      expect(Array.from(v.data)).toEqual(vals);
    }
  });

  it('brings flipped and permuted grids to the same RAS+ array (sform and qform)', () => {
    // Reference: RAS grid [nx=4, ny=3, nz=2] with values v(x,y,z) = 100x + 10y + z.
    const ref = (x: number, y: number, z: number): number => 100 * x + 10 * y + z;
    const refVals: number[] = [];
    for (let z = 0; z < 2; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) refVals.push(ref(x, y, z));
    const a = decodeNifti(encodeNiftiRaw({ dims: [4, 3, 2], datatype: 16, values: refVals, pixdim: [1, 2, 3], sform: eye(1, 2, 3) }), 'ras.nii');
    // LPS file (x and y flipped): file voxel (i,j,k) holds ref(3-i, 2-j, k); sform has -1/-2 on the diagonal.
    const lps: number[] = [];
    for (let k = 0; k < 2; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 4; i++) lps.push(ref(3 - i, 2 - j, k));
    const lpsAff: Mat4 = [
      [-1, 0, 0, 3],
      [0, -2, 0, 4],
      [0, 0, 3, 0],
      [0, 0, 0, 1],
    ];
    const b = decodeNifti(encodeNiftiRaw({ dims: [4, 3, 2], datatype: 16, values: lps, pixdim: [1, 2, 3], sform: lpsAff }), 'lps.nii');
    expect(b.sourceOrientation).toBe('LPS');
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(b.spacing).toEqual(a.spacing);
    expect(b.affine).toEqual(a.affine);
    // Same LPS file described by its qform only.
    const q = decodeNifti(encodeNiftiRaw({ dims: [4, 3, 2], datatype: 16, values: lps, pixdim: [1, 2, 3], sform: null, qform: lpsAff }), 'lps-q.nii');
    expect(Array.from(q.data)).toEqual(Array.from(a.data));
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(q.affine[r]![c]).toBeCloseTo(a.affine[r]![c]!, 5);
    // Permuted axes (file axes = S, R, A): file voxel (i,j,k) = ref(j, k, i).
    const perm: number[] = [];
    for (let k = 0; k < 3; k++) for (let j = 0; j < 4; j++) for (let i = 0; i < 2; i++) perm.push(ref(j, k, i));
    const permAff: Mat4 = [
      [0, 1, 0, 0],
      [0, 0, 2, 0],
      [3, 0, 0, 0],
      [0, 0, 0, 1],
    ];
    const p = decodeNifti(encodeNiftiRaw({ dims: [2, 4, 3], datatype: 16, values: perm, pixdim: [3, 1, 2], sform: permAff }), 'sra.nii');
    expect(p.sourceOrientation).toBe('SRA');
    expect(p.shape).toEqual([2, 3, 4]);
    expect(p.spacing).toEqual([3, 2, 1]);
    expect(Array.from(p.data)).toEqual(Array.from(a.data));
  });

  it('prefers the sform over a conflicting qform', () => {
    const vals = ramp(n);
    const flipped: Mat4 = [
      [-1, 0, 0, 3],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const v = decodeNifti(encodeNiftiRaw({ dims, datatype: 16, values: vals, pixdim: [1, 1, 1], sform: eye(), qform: flipped }), 's.nii');
    expect(Array.from(v.data)).toEqual(vals);
  });

  it('reads the real LSA-oriented ITK fixture into RAS with its spacing', async () => {
    const v = await readNifti(join(FIX, 'itk_t1_crop.nii.gz'));
    expect(v.sourceOrientation).toBe('LSA');
    expect(v.datatype).toBe('int16');
    expect(v.shape).toEqual([40, 20, 40]);
    expect(v.spacing).toEqual([2, 3, 2]);
    // canonical affine has a positive diagonal
    expect(v.affine[0]![0]).toBeGreaterThan(0);
    expect(v.affine[1]![1]).toBeGreaterThan(0);
    expect(v.affine[2]![2]).toBeGreaterThan(0);
  });

  it('round-trips a mask through writeNifti (.nii.gz) with its affine', async () => {
    const t1 = await readNifti(join(FIX, 'colin27_crop48_t1.nii.gz'));
    const mask = new Uint8Array(t1.data.length);
    for (let i = 0; i < mask.length; i++) mask[i] = t1.data[i]! > 100 ? 4 : t1.data[i]! > 40 ? 2 : 0;
    const file = join(tmp.dir, 'pred.nii.gz');
    await writeNifti(file, { shape: t1.shape, data: mask, spacing: t1.spacing, affine: t1.affine });
    const back = await readNifti(file);
    expect(back.datatype).toBe('uint8');
    expect(back.shape).toEqual(t1.shape);
    expect(back.affine).toEqual(t1.affine);
    expect(Buffer.from(back.data.buffer).equals(Buffer.from(new Float32Array(mask).buffer))).toBe(true);
    // float, multi-channel and plain .nii
    const img = new Float32Array(2 * 3 * 4 * 2).map((_, i) => i / 7);
    const f2 = join(tmp.dir, 'img.nii');
    await writeNifti(f2, { shape: [2, 3, 4], channels: 2, data: img, spacing: [3, 2, 1] });
    const b2 = await readNifti(f2);
    expect(b2.channels).toBe(2);
    expect(b2.spacing).toEqual([3, 2, 1]);
    expect(Array.from(b2.data)).toEqual(Array.from(img));
    expect(readFileSync(f2)[0]).not.toBe(0x1f); // not gzipped
  });
});

describe('NIfTI bad data', () => {
  const good = encodeNiftiRaw({ dims: [8, 8, 8], datatype: 4, values: ramp(512, (i) => i % 300), pixdim: [1, 1, 1], sform: eye() });

  it('truncated gzip → SSL101 naming the file', () => {
    const gz = gzipSync(good);
    const file = join(tmp.dir, 'cut.nii.gz');
    writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
    expectCode(() => decodeNifti(readFileSync(file), file), 'SSL101', 'cut.nii.gz');
  });

  it('corrupt gzip → SSL101', () => {
    const gz = Buffer.from(gzipSync(good));
    gz[gz.length - 6] ^= 0xff; // break the CRC
    expectCode(() => decodeNifti(gz, 'crc.nii.gz'), 'SSL101', 'crc.nii.gz');
  });

  it('a header that promises more voxels than the file holds → SSL104', () => {
    const lying = Buffer.from(good);
    lying.writeInt16LE(16, 46); // dim[3] = 16 instead of 8
    expectCode(() => decodeNifti(lying, 'liar.nii'), 'SSL104', 'liar.nii');
    expectCode(() => decodeNifti(good.subarray(0, good.length - 10), 'short.nii'), 'SSL104', 'short.nii');
  });

  it('NaN or Inf voxels → SSL105 with the voxel position', () => {
    const vals = ramp(64, (i) => i);
    vals[5 + 4 * 2] = NaN;
    const buf = encodeNiftiRaw({ dims: [4, 4, 4], datatype: 16, values: vals, pixdim: [1, 1, 1], sform: eye() });
    try {
      decodeNifti(buf, 'nan.nii');
      throw new Error('no error');
    } catch (e) {
      expect((e as SslRuntimeError).code).toBe('SSL105');
      expect((e as Error).message).toContain('nan.nii');
      expect((e as Error).message).toContain('(1, 3, 0)');
    }
    const inf = ramp(64);
    inf[63] = Infinity;
    expectCode(() => decodeNifti(encodeNiftiRaw({ dims: [4, 4, 4], datatype: 64, values: inf, pixdim: [1, 1, 1], sform: eye() }), 'inf.nii'), 'SSL105', 'inf.nii');
  });

  it('unsupported datatype → SSL103', () => {
    const buf = Buffer.from(good);
    buf.writeInt16LE(32, 70); // complex64
    expectCode(() => decodeNifti(buf, 'cplx.nii'), 'SSL103', 'cplx.nii');
  });

  it('not a NIfTI file → SSL102; missing file → SSL100', async () => {
    expectCode(() => decodeNifti(Buffer.from('hello world, this is not an image'.repeat(20)), 'x.txt'), 'SSL102', 'x.txt');
    expectCode(() => decodeNifti(gzipSync(Buffer.alloc(400)), 'zeros.nii.gz'), 'SSL102', 'zeros.nii.gz');
    await expect(readNifti(join(tmp.dir, 'nope.nii.gz'))).rejects.toMatchObject({ code: 'SSL100' });
  });

  it('a singular orientation matrix → SSL107', () => {
    const z: Mat4 = [
      [1, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    expectCode(() => decodeNifti(encodeNiftiRaw({ dims: [2, 2, 2], datatype: 2, values: ramp(8), pixdim: [1, 1, 1], sform: z }), 'sing.nii'), 'SSL107', 'sing.nii');
  });

  it('encodeNifti output decodes (gzip default)', () => {
    const v = decodeNifti(encodeNifti({ shape: [2, 2, 2], data: new Uint8Array(8).fill(3), spacing: [1, 1, 1] }), 'm.nii.gz');
    expect(Array.from(v.data)).toEqual(new Array(8).fill(3));
  });
});
