// Error codes of the data layer (SSL100–129). Every data error is an SslRuntimeError carrying
// one of these codes, a one-line message and the file it is about.

import type { CodeInfo } from './info.js';

export const DATA_CODES = {
  fileUnreadable: 'SSL100',
  badGzip: 'SSL101',
  notNifti: 'SSL102',
  unsupportedDatatype: 'SSL103',
  truncatedData: 'SSL104',
  nonFinite: 'SSL105',
  badDims: 'SSL106',
  badOrientation: 'SSL107',
  noMatch: 'SSL110',
  missingModality: 'SSL111',
  missingLabel: 'SSL112',
  shapeMismatch: 'SSL113',
  spacingMismatch: 'SSL114',
  channelMismatch: 'SSL115',
  badLabelValues: 'SSL116',
  badDatasetJson: 'SSL117',
  badCsv: 'SSL118',
  imageDecode: 'SSL119',
  badPreprocess: 'SSL121',
  badArtifact: 'SSL123',
  noCases: 'SSL124',
  badPhantom: 'SSL125',
} as const;

export const codes = [
  {
    code: 'SSL100',
    severity: 'error',
    title: 'data file missing or unreadable',
    explanation:
      'A file named by the dataset (or found by its layout) could not be read: it does not exist, ' +
      'is a folder, or permissions forbid reading it. Check the path relative to the experiment file.',
  },
  {
    code: 'SSL101',
    severity: 'error',
    title: 'truncated or corrupt gzip',
    explanation:
      'A .nii.gz file could not be decompressed: the gzip stream ends early (an interrupted download ' +
      'or copy) or its checksum is wrong. Re-download or re-copy the file; `gzip -t FILE` confirms it.',
  },
  {
    code: 'SSL102',
    severity: 'error',
    title: 'not a NIfTI file',
    explanation:
      'The file has neither the NIfTI-1 (sizeof_hdr = 348, magic "n+1") nor the NIfTI-2 (540, "n+2") ' +
      'header. Analyze .hdr/.img pairs, DICOM folders and other formats must be converted first ' +
      '(e.g. with dcm2niix).',
  },
  {
    code: 'SSL103',
    severity: 'error',
    title: 'unsupported NIfTI datatype',
    explanation:
      'The voxel datatype is not one ssl3d reads. Supported: uint8, int8, int16, uint16, int32, ' +
      'uint32, int64/uint64 (values up to 2^53), float32, float64 and RGB24 (read as 3 channels). ' +
      'Complex and float128 volumes must be converted (e.g. to float32).',
  },
  {
    code: 'SSL104',
    severity: 'error',
    title: 'voxel data shorter than the header says',
    explanation:
      'The header promises dims × bytes-per-voxel bytes after vox_offset, but the file holds fewer. ' +
      'Either the file is truncated or the header lies about its size. Example: a 64³ int16 volume ' +
      'needs 524288 bytes of data. Re-export the image.',
  },
  {
    code: 'SSL105',
    severity: 'error',
    title: 'NaN or infinite voxels',
    explanation:
      'A floating-point image or label contains NaN or ±Inf voxels, which would poison every loss and ' +
      'metric. Replace them (e.g. with 0) before training: `fslmaths in -nan out`.',
  },
  {
    code: 'SSL106',
    severity: 'error',
    title: 'unsupported image dimensions',
    explanation:
      'The header describes an image ssl3d cannot use: a dimension of size 0 or negative, more than ' +
      '4 dimensions with size > 1, or a 4D image used where a single-channel label is expected.',
  },
  {
    code: 'SSL107',
    severity: 'error',
    title: 'singular orientation matrix',
    explanation:
      'Neither sform nor qform gives an invertible voxel-to-world matrix, so the image cannot be ' +
      'brought to the canonical (RAS+) orientation. Fix the header (e.g. `fslorient`).',
  },
  {
    code: 'SSL110',
    severity: 'error',
    title: 'no files found',
    explanation:
      'A glob pattern matched no file, or a dataset folder is empty. Check the pattern relative to ' +
      'the experiment file, e.g. `images: ["data/*_t1.nii.gz"]`.',
  },
  {
    code: 'SSL111',
    severity: 'error',
    title: 'missing modality',
    explanation:
      'A BraTS case folder (or nnU-Net / glob case) lacks one of the channels the dataset declares, ' +
      'e.g. `Brats18_X_1/Brats18_X_1_flair.nii.gz`. Every case needs every declared modality.',
  },
  {
    code: 'SSL112',
    severity: 'error',
    title: 'missing label file',
    explanation:
      'The dataset is labelled but a case has no label (segmentation) file, or the label glob matched ' +
      'a different number of files than the image globs.',
  },
  {
    code: 'SSL113',
    severity: 'error',
    title: 'image and label shapes differ',
    explanation:
      'A case has channels or a label whose voxel grid differs from its first channel. All files of a ' +
      'case must share one grid; resample them onto the image grid before training.',
  },
  {
    code: 'SSL114',
    severity: 'error',
    title: 'image and label grids differ (spacing, position or direction)',
    explanation:
      'A case has files with the same shape but a different voxel spacing (beyond 1e-3 relative), an ' +
      'origin more than one voxel away, or axes turned by more than about 3 degrees: they are not on ' +
      'the same grid (a different field of view). Resample the label onto the image grid.',
  },
  {
    code: 'SSL115',
    severity: 'error',
    title: 'inconsistent channel count',
    explanation:
      'Cases of one dataset have different numbers of channels, or a preprocessing channel ' +
      'selection names a channel that does not exist, or the dataset declares a different count.',
  },
  {
    code: 'SSL116',
    severity: 'error',
    title: 'label values outside the declared classes',
    explanation:
      'A label map holds values that are not in the dataset\'s declared classes (e.g. a 3 in a BraTS ' +
      'map declared with classes 0,1,2,4), non-integer values, or values outside 0..255.',
  },
  {
    code: 'SSL117',
    severity: 'error',
    title: 'invalid dataset.json',
    explanation:
      'The Decathlon / nnU-Net dataset.json is missing, is not valid JSON, or lacks the expected keys ' +
      '(`training` for Decathlon; `channel_names`/`modality` and `file_ending` for nnU-Net).',
  },
  {
    code: 'SSL118',
    severity: 'error',
    title: 'invalid label CSV',
    explanation:
      'The CSV of a 2D image folder lacks the id or label column, has a row whose label is not an ' +
      'integer, or names an image that does not exist in the folder.',
  },
  {
    code: 'SSL119',
    severity: 'error',
    title: 'image could not be decoded',
    explanation: 'A PNG/JPEG file is corrupt or not an image sharp can decode.',
  },
  {
    code: 'SSL121',
    severity: 'error',
    title: 'invalid preprocessing parameters',
    explanation:
      'A preprocessing parameter does not fit the data: resize has the wrong number of axes, a CT ' +
      'window has lo >= hi, or a crop margin is negative.',
  },
  {
    code: 'SSL123',
    severity: 'error',
    title: 'dataset artifact missing or corrupt',
    explanation:
      'A cached dataset artifact (dataset.json + images.f32 + masks.u8) is incomplete or does not ' +
      'match its index. Delete the cache entry and run again; it will be rebuilt.',
  },
  {
    code: 'SSL124',
    severity: 'error',
    title: 'dataset has no cases',
    explanation: 'The dataset resolved to zero cases; nothing can be split or trained on.',
  },
  {
    code: 'SSL125',
    severity: 'error',
    title: 'invalid phantom parameters',
    explanation:
      'A phantom dataset asks for something the generator cannot make: a size below 8 voxels per axis, ' +
      'a channel count the anatomy does not define (brain: 1–4, pancreas: 1, fundus: 1 or 3).',
  },
] as const satisfies readonly CodeInfo[];
