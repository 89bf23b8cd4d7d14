// #17.10: NIfTI header edge cases read as nibabel reads them, or refused/warned with a code.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeNifti, encodeNiftiRaw, type RawNiftiSpec } from '../../../runtime/data/nifti.js';

const base = (over: Partial<RawNiftiSpec> = {}): RawNiftiSpec => ({
  dims: [4, 3, 2],
  datatype: 16,
  values: Array.from({ length: 24 }, (_, i) => i * 0.5),
  pixdim: [1, 1, 2],
  sform: null,
  ...over,
});

/** Insert a header extension (esize 32, ecode 6 = comment) and move vox_offset past it. */
function withExtension(file: Buffer, version: 1 | 2): Buffer {
  const hdrEnd = version === 2 ? 540 : 348;
  const dataAt = version === 2 ? 544 : 352;
  const ext = Buffer.alloc(32);
  ext.writeInt32LE(32, 0);
  ext.writeInt32LE(6, 4);
  ext.write('written by a hostile test', 8, 'latin1');
  const out = Buffer.concat([file.subarray(0, hdrEnd), Buffer.from([1, 0, 0, 0]), ext, file.subarray(dataAt)]);
  if (version === 2) out.writeBigInt64LE(BigInt(dataAt + 32), 168);
  else out.writeFloatLE(dataAt + 32, 108);
  return out;
}

describe('NIfTI edge cases (#17.10)', () => {
  for (const version of [1, 2] as const) {
    it(`NIfTI-${version} with a header extension reads the same voxels as without`, () => {
      const plain = encodeNiftiRaw(base({ version }));
      const ext = withExtension(plain, version);
      const a = decodeNifti(plain, 'plain.nii');
      const b = decodeNifti(ext, 'ext.nii');
      expect(b.version).toBe(version);
      expect([...b.data]).toEqual([...a.data]);
      expect(b.spacing).toEqual(a.spacing);
      const gz = decodeNifti(gzipSync(ext), 'ext.nii.gz');
      expect([...gz.data]).toEqual([...a.data]);
    });
  }

  it('a NaN scl_slope is read as no scaling with a warning; an infinite one is refused (SSL105)', () => {
    const nan = decodeNifti(encodeNiftiRaw(base({ sclSlope: NaN, sclInter: 0 })), 'nan.nii');
    expect(nan.data[3]).toBe(1.5);
    expect(nan.warnings?.join()).toMatch(/scl_slope is NaN; read as no scaling/);
    expect(() => decodeNifti(encodeNiftiRaw(base({ sclSlope: Infinity })), 'inf.nii')).toThrow(expect.objectContaining({ code: 'SSL105', message: expect.stringMatching(/scl_slope = Infinity/) }));
  });

  it('a zero or NaN pixdim (no sform) is warned about, not silently 1 mm', () => {
    const v = decodeNifti(encodeNiftiRaw(base({ pixdim: [0, NaN, 2] })), 'pd.nii');
    expect(v.warnings?.join()).toMatch(/pixdim\[1\] = 0, pixdim\[2\] = NaN; a voxel size of 1 mm is assumed/);
    // with an sform the pixdims do not matter: no warning
    const s = decodeNifti(encodeNiftiRaw(base({ pixdim: [0, 0, 0], sform: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]] })), 's.nii');
    expect(s.warnings).toBeUndefined();
  });

  it('a negative vox_offset is refused (SSL102)', () => {
    for (const version of [1, 2] as const) {
      const f = encodeNiftiRaw(base({ version }));
      if (version === 2) f.writeBigInt64LE(-100n, 168);
      else f.writeFloatLE(-100, 108);
      expect(() => decodeNifti(f, 'neg.nii')).toThrow(expect.objectContaining({ code: 'SSL102', message: expect.stringMatching(/vox_offset = -100/) }));
    }
  });

  it('a gzip bomb is refused once it inflates past the size its header declares (SSL101), without inflating it whole', () => {
    const header = encodeNiftiRaw(base({ datatype: 2, values: new Array(24).fill(1) }));
    const bomb = gzipSync(Buffer.concat([header, Buffer.alloc(64 * 2 ** 20)]), { level: 9 });
    expect(bomb.length).toBeLessThan(200_000);
    const t0 = process.hrtime.bigint();
    expect(() => decodeNifti(bomb, 'bomb.nii.gz')).toThrow(expect.objectContaining({ code: 'SSL101', message: expect.stringMatching(/more than its header declares \(376 bytes\)/) }));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(ms).toBeLessThan(5000);
    // dimensions that declare terabytes are refused before anything is inflated
    const huge = encodeNiftiRaw(base({ datatype: 2, values: new Array(24).fill(1) }));
    huge.writeInt16LE(30000, 42);
    huge.writeInt16LE(30000, 44);
    huge.writeInt16LE(30000, 46);
    expect(() => decodeNifti(gzipSync(huge), 'huge.nii.gz')).toThrow(expect.objectContaining({ code: 'SSL106', message: expect.stringMatching(/declares \d+ bytes of data/) }));
  });

  it('a compressed file names the header field at fault, not "a gzip bomb" (s6 attack)', () => {
    // before: dim[0] = 0 / 8 and a negative dim read as a tiny declared size, then "decompresses to
    // more than … (a gzip bomb or a wrong header)"; a vox_offset of 1e30 read as "its dimensions are wrong"
    const cases: Array<[string, (f: Buffer) => void, string, RegExp]> = [
      ['dim0', (f) => f.writeInt16LE(0, 40), 'SSL106', /dim\[0\] = 0; it must be 1\.\.7/],
      ['dim8', (f) => f.writeInt16LE(8, 40), 'SSL106', /dim\[0\] = 8; it must be 1\.\.7/],
      ['dimneg', (f) => f.writeInt16LE(-4, 42), 'SSL106', /dim\[1\] = -4; every dimension must be a positive integer/],
      ['voxhuge', (f) => f.writeFloatLE(1e30, 108), 'SSL102', /vox_offset = 1\.0+\d*e\+30, past the end of any image file/],
    ];
    for (const [name, spoil, code, message] of cases) {
      const f = encodeNiftiRaw(base({ datatype: 2, values: new Array(24).fill(1) }));
      spoil(f);
      for (const bytes of [f, gzipSync(f)]) expect(() => decodeNifti(bytes, `${name}.nii.gz`), name).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
    }
  });
});
