// Error codes of the data layer (SSL100–129). Every data error is an SslRuntimeError carrying
// one of these codes, a message built from its templates (msg) and the file it is about.

import type { CodeInfo } from './info.js';

export const codes = [
  {
    code: 'SSL100',
    severity: 'error',
    title: 'data file missing or unreadable',
    messages: {
      caseCannotRead: 'case {id}: cannot read {file} ({reason})',
      listedMissing: '{jsonFile} lists {name}, but {file} does not exist',
      labelCsvCannotRead: 'label CSV {csvFile} cannot be read ({reason})',
      cannotRead: '{file}: cannot be read ({reason})',
      notUtf8Name: 'the name of {file} is not valid UTF-8 (shown with �), so it cannot be opened by that name; rename the file',
    },
    explanation:
      'A file named by the dataset (or found by its layout) could not be read: it does not exist, ' +
      'is a folder, or permissions forbid reading it. Check the path relative to the experiment file.',
  },
  {
    code: 'SSL101',
    severity: 'error',
    title: 'truncated or corrupt gzip',
    messages: {
      truncated: '{file}: gzip stream is truncated (the file was cut short)',
      corrupt: '{file}: gzip data is corrupt ({reason})',
      gzipBomb: '{file}: decompresses to more than {cap} bytes, more than its header declares{declared}; refusing to inflate it (a gzip bomb or a wrong header)',
    },
    explanation:
      'A .nii.gz file could not be decompressed: the gzip stream ends early (an interrupted download ' +
      'or copy) or its checksum is wrong. Re-download or re-copy the file; `gzip -t FILE` confirms it.',
  },
  {
    code: 'SSL102',
    severity: 'error',
    title: 'not a NIfTI file',
    messages: {
      tooShort: '{file}: only {bytes} bytes, shorter than a NIfTI header (348)',
      badVoxOffset: '{file}: vox_offset = {voxOffset}; the voxel data cannot start before the file does',
      hugeVoxOffset: '{file}: vox_offset = {voxOffset}, past the end of any image file (over {max} bytes); the header is wrong',
      hdrImgPair: '{file}: is the header half of a .hdr/.img pair; convert it to a single .nii file',
      noMagic: '{file}: is not a NIfTI-1 or NIfTI-2 file (no valid header size and magic)',
      unparsable: '{file}: header cannot be parsed ({reason})',
    },
    explanation:
      'The file has neither the NIfTI-1 (sizeof_hdr = 348, magic "n+1") nor the NIfTI-2 (540, "n+2") ' +
      'header. Analyze .hdr/.img pairs, DICOM folders and other formats must be converted first ' +
      '(e.g. with dcm2niix).',
  },
  {
    code: 'SSL103',
    severity: 'error',
    title: 'unsupported NIfTI datatype',
    messages: {
      int64Precision: '{file}: 64-bit voxel value {value} at index {index} does not fit a float without losing precision',
      unsupported: '{file}: datatype {name} is not supported (use uint8, int8, int16, uint16, int32, uint32, int64, float32, float64 or rgb24)',
    },
    explanation:
      'The voxel datatype is not one ssl3d reads. Supported: uint8, int8, int16, uint16, int32, ' +
      'uint32, int64/uint64 (values up to 2^53), float32, float64 and RGB24 (read as 3 channels). ' +
      'Complex and float128 volumes must be converted (e.g. to float32).',
  },
  {
    code: 'SSL104',
    severity: 'error',
    title: 'voxel data shorter than the header says',
    messages: {
      shortData: '{file}: holds {have} bytes of voxel data but the header needs {need} ({voxels} {datatype} voxels of {bytes} byte(s)); the file is truncated or its header is wrong',
    },
    explanation:
      'The header promises dims × bytes-per-voxel bytes after vox_offset, but the file holds fewer. ' +
      'Either the file is truncated or the header lies about its size. Example: a 64³ int16 volume ' +
      'needs 524288 bytes of data. Re-export the image.',
  },
  {
    code: 'SSL105',
    severity: 'error',
    title: 'NaN or infinite voxels',
    messages: {
      badSlope: '{file}: scl_slope = {slope}; the intensity scaling is not finite',
      badIntercept: '{file}: scl_inter = {inter}; the intensity offset is not finite',
      nonFinite: '{file}: {bad} NaN/Inf voxel value(s), the first at voxel ({x}, {y}, {z}); replace them before training',
    },
    explanation:
      'A floating-point image or label contains NaN or ±Inf voxels, which would poison every loss and ' +
      'metric. Replace them (e.g. with 0) before training: `fslmaths in -nan out`.',
  },
  {
    code: 'SSL106',
    severity: 'error',
    title: 'unsupported image dimensions',
    messages: {
      caseDims: 'case {id}: {dims}D, but dataset {dataset} is {dim}D',
      caseAxes: 'case {id}: has {axes} spatial axes but dataset {dataset} is {dim}D',
      duplicateId: 'dataset {dataset}: two cases share the id {duplicate}',
      label4d: 'case {caseId}: label {file} has {channels} channels (4D); a label map must be 3D',
      tooManyBytes: '{file}: the header declares {total} bytes of data (over {max}); its dimensions are wrong',
      badRank: '{file}: dim[0] = {ndim}; it must be 1..7',
      badDim: '{file}: dim[{k}] = {v}; every dimension must be a positive integer',
    },
    explanation:
      'The header describes an image ssl3d cannot use: a dimension of size 0 or negative, more than ' +
      '4 dimensions with size > 1, or a 4D image used where a single-channel label is expected.',
  },
  {
    code: 'SSL107',
    severity: 'error',
    title: 'singular orientation matrix',
    messages: {
      singular: '{file}: the {matrix} voxel-to-world matrix is singular or not finite',
    },
    explanation:
      'Neither sform nor qform gives an invertible voxel-to-world matrix, so the image cannot be ' +
      'brought to the canonical (RAS+) orientation. Fix the header (e.g. `fslorient`).',
  },
  {
    code: 'SSL110',
    severity: 'error',
    title: 'no files found',
    messages: {
      noBratsCases: 'BraTS folder {root} holds no case folders (<case>/<case>_t1.nii.gz …)',
      notAFolder: '{what} {path} does not exist or is not a folder',
      noDecathlonImages: 'Decathlon images folder {imagesDir} holds no .nii.gz files',
      noImages: 'image folder {root} holds no {exts} files',
      noMatch: 'no file matches {pattern} (relative to {baseDir})',
      noPattern: 'nifti dataset has no image pattern',
      systemFolder: '{pattern} starts in {folder}, a system folder that holds no images (its links lead through the whole file system)',
      noNnunetImages: 'nnU-Net folder {imagesDir} holds no <case>_0000{ending} files',
    },
    explanation:
      'A glob pattern matched no file, or a dataset folder is empty. Check the pattern relative to ' +
      'the experiment file, e.g. `images: ["data/*_t1.nii.gz"]`.',
  },
  {
    code: 'SSL111',
    severity: 'error',
    title: 'missing modality',
    messages: {
      bratsModality: 'BraTS case {id} has no {modality} image: {file} is missing',
      unpairedChannel: 'channel pattern {images} matches {count} file(s) but {first} matches {n}; cases are paired by sorted order (first unpaired: {extra})',
      misnamedChannel: 'channel file {file} is paired with {image} by sorted order, but it is named for case {got}, not {want} (other pairs match by name: a file is missing on one side and an extra one is on the other)',
      nnunetChannel: 'nnU-Net case {id} has no channel {channel}: {file} is missing',
    },
    explanation:
      'A BraTS case folder (or nnU-Net / glob case) lacks one of the channels the dataset declares, ' +
      'e.g. `Brats18_X_1/Brats18_X_1_flair.nii.gz`. Every case needs every declared modality.',
  },
  {
    code: 'SSL112',
    severity: 'error',
    title: 'missing label file',
    messages: {
      noLabelMap: 'case {id}: no label map, but dataset {dataset} declares segmentation labels',
      bratsLabel: 'BraTS case {id} has no segmentation: {file} is missing',
      labelMissing: 'case {id} has no label: {label} is missing',
      unpairedLabel: 'label pattern {labels} matches {count} file(s) but {first} matches {n} image(s) (first unpaired: {extra})',
      misnamedLabel: 'label {file} is paired with image {image} by sorted order, but it is named for case {got}, not {want} (other pairs match by name: a label is missing and an extra one is there)',
      nnunetLabel: 'nnU-Net case {id} has no label: {label} is missing',
    },
    explanation:
      'The dataset is labelled but a case has no label (segmentation) file, or the label glob matched ' +
      'a different number of files than the image globs, or (nifti globs, paired by sorted order) the label paired with an image is ' +
      'named for another case while other pairs match by name.',
  },
  {
    code: 'SSL113',
    severity: 'error',
    title: 'image and label shapes differ',
    messages: {
      shapesDiffer: 'case {id}: {file} has shape {shape} but {ref} has {firstShape} (after RAS reorientation)',
    },
    explanation:
      'A case has channels or a label whose voxel grid differs from its first channel. All files of a ' +
      'case must share one grid; resample them onto the image grid before training.',
  },
  {
    code: 'SSL114',
    severity: 'error',
    title: 'image and label grids differ (spacing, position or direction)',
    messages: {
      spacingDiffers: 'case {id}: {file} has spacing {spacing} mm but {ref} has {firstSpacing} mm',
      originMoved: 'case {id}: {file} is not on the grid of {ref}: its origin is {shift} mm away',
      axesTurned: 'case {id}: {file} is not on the grid of {ref}: its axes point in other directions',
    },
    explanation:
      'A case has files with the same shape but a different voxel spacing (beyond 1e-3 relative), an ' +
      'origin more than one voxel away, or axes turned by more than about 3 degrees: they are not on ' +
      'the same grid (a different field of view). Resample the label onto the image grid.',
  },
  {
    code: 'SSL115',
    severity: 'error',
    title: 'inconsistent channel count',
    messages: {
      casesDiffer: 'case {id}: {channels} channel(s), but case {channelsFrom} has {firstChannels}',
      selectsMissing: 'case {id}: preprocessing selects channel {channel}, but the case has {channels}',
      afterSelection: 'case {id}: {after} channel(s) after channel selection, but dataset {dataset} declares {declared}',
      afterPreprocessing: 'case {id}: {channels} channel(s) after preprocessing, but dataset {dataset} declares {declared}',
      notDeclared: 'channel {c} requested, but {jsonFile} declares {declared} channel(s)',
      selectedMissing: 'case {id}: channel {ch} selected, but the case has {channels} channel(s) (0..{last})',
    },
    explanation:
      'Cases of one dataset have different numbers of channels, or a preprocessing channel ' +
      'selection names a channel that does not exist, or the dataset declares a different count.',
  },
  {
    code: 'SSL116',
    severity: 'error',
    title: 'label values outside the declared classes',
    messages: {
      undeclaredLabels: '{file}case {id}: label values {bad} are not among the declared classes {classes}',
      classOutside: '{file}case {id}: class {grade} is outside 0..{last}',
      notByte: 'case {caseId}: label {file} holds the value {value}; labels must be integers 0..255',
      csvClassOutside: '{csvFile}:{line}: {labelColumn} {grade} of {id} is outside the declared classes 0..{last}',
    },
    explanation:
      'A label map holds values that are not in the dataset\'s declared classes (e.g. a 3 in a BraTS ' +
      'map declared with classes 0,1,2,4), non-integer values, or values outside 0..255.',
  },
  {
    code: 'SSL117',
    severity: 'error',
    title: 'invalid dataset.json',
    messages: {
      missing: '{file} is missing',
      cannotRead: '{file} cannot be read ({reason})',
      notValidJson: '{file} is not valid JSON ({reason})',
      noTrainingList: '{jsonFile} has no "training" list',
      noImage: '{jsonFile}: training[{i}] has no "image"',
      endingNotString: '{jsonFile}: "file_ending" must be a string',
      endingUnsupported: '{jsonFile}: file_ending {ending} is not supported (only .nii.gz and .nii)',
    },
    explanation:
      'The Decathlon / nnU-Net dataset.json is missing, is not valid JSON, or lacks the expected keys ' +
      '(`training` for Decathlon; `channel_names`/`modality` and `file_ending` for nnU-Net).',
  },
  {
    code: 'SSL118',
    severity: 'error',
    title: 'invalid label CSV',
    messages: {
      noRows: 'label CSV {csvFile} has no data rows',
      noIdColumn: '{csvFile}:1: no column "{idColumn}" (columns: {head})',
      noLabelColumn: '{csvFile}:1: no column "{labelColumn}" (columns: {head})',
      emptyId: '{csvFile}:{line}: empty {idColumn}',
      notIntegerClass: '{csvFile}:{line}: {labelColumn} "{label}" of {id} is not an integer class',
      duplicateId: '{csvFile}:{line}: {idColumn} {id} appears twice (first on line {dup})',
      imageMissing: '{csvFile}:{line}: image {id} is not in {root} (looked for {exts})',
    },
    explanation:
      'The CSV of a 2D image folder lacks the id or label column, has a row whose label is not an ' +
      'integer, or names an image that does not exist in the folder.',
  },
  {
    code: 'SSL119',
    severity: 'error',
    title: 'image could not be decoded',
    messages: {
      undecodable: 'case {id}: {file} cannot be decoded as an image ({reason})',
    },
    explanation: 'A PNG/JPEG file is corrupt or not an image sharp can decode.',
  },
  {
    code: 'SSL121',
    severity: 'error',
    title: 'invalid preprocessing parameters',
    messages: {
      resize2d: 'resize [{resize}] for 2D images needs [H, W]',
      emptyWindow: 'CT window [{lo}, {hi}] is empty: lo must be below hi',
      resizeAxes: 'resize to [{size}] has {axes} axes, but case {id} has {caseAxes} spatial axes',
      resizeNotPositive: 'resize to [{size}]: sizes must be positive integers',
      negativeMargin: 'crop margin {margin} is negative',
    },
    explanation:
      'A preprocessing parameter does not fit the data: resize has the wrong number of axes, a CT ' +
      'window has lo >= hi, or a crop margin is negative.',
  },
  {
    code: 'SSL123',
    severity: 'error',
    title: 'dataset artifact missing or corrupt',
    messages: {
      unreadable: 'dataset artifact {path}: cannot be read ({reason})',
      notIndex: 'dataset artifact {path}: is not an {format} index',
      newerVersion: 'dataset artifact {path}: has format version {version}; this ssl3d reads up to {max}',
      missing: 'dataset artifact {path}: is missing',
      short: 'dataset artifact {path}: is shorter than the index says (case {caseId})',
      imageLength: 'dataset artifact {path}: case {id}: image length {length} does not match shape [{shape}] × {channels}',
      maskLength: 'dataset artifact {path}: case {id}: mask length {length} does not match its shape',
      badIndex: 'dataset artifact {path}: {problem}; the index does not describe a dataset',
    },
    explanation:
      'A cached dataset artifact (dataset.json + images.f32 + masks.u8) is incomplete or does not ' +
      'match its index. Delete the cache entry and run again; it will be rebuilt.',
  },
  {
    code: 'SSL124',
    severity: 'error',
    title: 'dataset has no cases',
    messages: {
      noPhantomCases: 'dataset {dataset}: a phantom needs at least 1 case',
      noPhantomCasesGot: 'dataset {dataset}: a phantom needs at least 1 case (got {total})',
      noCases: 'dataset {dataset}: no cases found',
      badCases: 'dataset {dataset}: {bad} of {total} cases cannot be used:\n{lines|all}',
    },
    explanation: 'The dataset resolved to zero cases; nothing can be split or trained on.',
  },
  {
    code: 'SSL125',
    severity: 'error',
    title: 'invalid phantom parameters',
    messages: {
      pancreasChannels: 'pancreas phantom: {channels} channels requested; CT has 1',
      brainChannels: 'brain phantom: {channels} channels requested; it defines 1–4 (t1, t1ce, t2, flair)',
      badSize: '{what}: size [{size}] is invalid; every axis needs an integer of at least {min} voxels',
      fundusChannels: 'fundus phantom: {channels} channels requested; it makes 3 (RGB) or 1 (green)',
    },
    explanation:
      'A phantom dataset asks for something the generator cannot make: a size below 8 voxels per axis, ' +
      'a channel count the anatomy does not define (brain: 1–4, pancreas: 1, fundus: 1 or 3).',
  },
] as const satisfies readonly CodeInfo[];
