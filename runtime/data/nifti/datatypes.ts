// The NIfTI datatype codes we read and write: name, bytes per value, components, float or not.

export interface DatatypeInfo {
  name: string;
  bytes: number;
  /** Values per voxel (3 for RGB24). */
  components: number;
  float: boolean;
}

export const NIFTI_DATATYPES: Record<number, DatatypeInfo> = {
  2: { name: 'uint8', bytes: 1, components: 1, float: false },
  4: { name: 'int16', bytes: 2, components: 1, float: false },
  8: { name: 'int32', bytes: 4, components: 1, float: false },
  16: { name: 'float32', bytes: 4, components: 1, float: true },
  64: { name: 'float64', bytes: 8, components: 1, float: true },
  128: { name: 'rgb24', bytes: 3, components: 3, float: false },
  256: { name: 'int8', bytes: 1, components: 1, float: false },
  512: { name: 'uint16', bytes: 2, components: 1, float: false },
  768: { name: 'uint32', bytes: 4, components: 1, float: false },
  1024: { name: 'int64', bytes: 8, components: 1, float: false },
  1280: { name: 'uint64', bytes: 8, components: 1, float: false },
};
