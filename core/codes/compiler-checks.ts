// Compiler diagnostics SSL040–SSL059: the domain checks of sizes, task geometry, channels,
// labels, metrics and sweeps. Part of the catalogue of compiler codes gathered by ./compiler.ts.

import type { CodeInfo } from './info.js';

export const codes = [
  {
    code: 'SSL040',
    severity: 'error',
    title: 'input size unknown or of the wrong rank',
    messages: {
      wrongDimensions: '{key} has {length} dimension{length|s}, but this {dim}D dataset needs {dim}',
      unknownInputSize: 'the input size of dataset {dataset} is not known at compile time',
    },
    explanation: `Models are built before any data is read, so the input size must be known at compile
time: phantoms have a size; file datasets need preprocess { resize = … }. A 3D dataset
needs a 3D size (128x128x128), a 2D one a 2D size (224x224).

    dataset brats = brats { root = "data/brats" }                          // unknown size
    dataset brats = brats { root = "data/brats", preprocess { resize = 128x128x128 } }`,
  },
  {
    code: 'SSL041',
    severity: 'error',
    title: 'patch grid does not fit the volume',
    messages: {
      cpcGridTooLarge: 'a {grid}-per-side grid of {patch}-{vx} patches ({overlap} overlap) spans {covered} {vx}s, but the input is {side}',
      cellsTooSmall: 'a {grid}-per-side grid on {side} {vx}s gives {cell}-{vx} cells; a jitter of {jitter} per side leaves {patch}-{vx} patches',
      cropTooLarge: 'the rotation crop ({crop} {vx}s) is larger than the input ({side} {vx}s per side)',
    },
    explanation: `A patch task cuts the (resized) input into grid × grid (× grid) cells. For RPL and
Jigsaw each patch is the cell minus twice the jitter; for CPC the patches are laid out
with their overlap. The grid must fit the input with patches of at least one voxel.
Rotation's crop cube must fit inside the input too.

    // 32³ input, grid 3 → 10-voxel cells; jitter 5 leaves 0-voxel patches
    pretext r = rpl { grid = 3, jitter = 5 voxels, … }    // error
    pretext r = rpl { grid = 3, jitter = 1 voxels, … }    // fix`,
  },
  {
    code: 'SSL042',
    severity: 'error',
    title: 'grid without a centre',
    messages: {
      evenGrid: '{title} needs a grid with a centre patch, but {grid} per side is even',
    },
    explanation: `RPL predicts where a patch lies relative to the centre patch, and 3D Jigsaw follows
the same layout; both need an odd number of patches per side.

    pretext r = rpl { grid = 4, … }      // error
    pretext r = rpl { grid = 3, … }      // fix`,
  },
  {
    code: 'SSL043',
    severity: 'error',
    title: 'more permutations than orderings',
    messages: {
      tooManyPermutations: '{permutations} permutations requested, but {cells} patches have only {cells}! = {limit} orderings',
    },
    explanation: `Jigsaw classifies which of N permutations shuffled the patches. A grid of n patches
per side has n^d patches and only (n^d)! orderings, so N must not exceed that.

    // 2D, grid 2: 4 patches, 4! = 24 orderings
    pretext j = jigsaw { grid = 2, permutations = 100, … }    // error`,
  },
  {
    code: 'SSL044',
    severity: 'error',
    title: 'warm-up not shorter than training',
    messages: {
      warmupTooLong: 'the warm-up ({warmup} frozen epochs) must be shorter than training ({epochs} epochs)',
    },
    explanation: `The finetune arm keeps the encoder frozen for the warm-up epochs, then trains it;
the warm-up must be shorter than the number of epochs (the authors' code asserts the
same). The paper's defaults are 25 epochs (3D segmentation) and 5 (2D classification).

    finetune f = segmentation { warmup = 25 epochs, train { epochs = 10 } }   // error
    finetune f = segmentation { warmup = 2 epochs, train { epochs = 10 } }    // fix`,
  },
  {
    code: 'SSL045',
    severity: 'error',
    title: 'label fraction without a training case',
    messages: {
      noTrainingCase: '{fraction} of the {cases} training cases of {dataset} is {product}: no case to train on',
    },
    explanation: `Where the dataset size is known (phantoms, or a declared 'cases'), every label
fraction must select at least one training case: floor(fraction × training cases) ≥ 1,
where training cases = cases − test cases − validation cases, and each held-out split
has round(fraction × cases) cases, at least 1 when its fraction is above 0.

    // 24 cases, 25% test, 10% val → 16 training cases; 5% of 16 = 0.8
    fractions = [5%, 100%]     // error on 5%`,
  },
  {
    code: 'SSL046',
    severity: 'error',
    title: 'channel counts differ and no adapter',
    messages: {
      channelsDiffer: "method '{id}' was pretrained on {pretrainChannels} channel{pretrainChannels|s} ({pretrainData}) but fine-tunes on {channels} ({finetuneData}); say how the input layer is adapted",
    },
    explanation: `The encoder was pretrained on data with C channels and is fine-tuned on data with C′.
Its first convolution must be adapted, and the choice matters, so it must be declared:
duplicate (repeat the pretrained filters, the paper's choice for UK Biobank 2 → BraTS 4),
average (the mean filter for every new channel) or zero (new channels start at zero).

    finetune seg = segmentation { data = brats2018, adapter = duplicate, … }`,
  },
  {
    code: 'SSL047',
    severity: 'error',
    title: '2D task on 3D data without slicing',
    messages: {
      taskNeedsSlices: "the 2D {task} task '{name}' runs on 3D volumes ({dataset}): say how slices are taken",
      methodNeedsSlices: "the 2D method '{id}' is fine-tuned on 3D volumes ({dataset}): say how slices are taken",
    },
    explanation: `A 2D encoder sees images; on 3D volumes the compiler must know how slices are taken
(the axis and how many per volume). Declare it in the pretext task (and, for fine-tuning,
in the finetune block, which otherwise inherits the pretext task's slicing).

    pretext rot2d = rotation { data = ukb, encoder = unet2d_enc,
                               slices { axis = axial, per-volume = 16 } }`,
  },
  {
    code: 'SSL048',
    severity: 'error',
    title: 'metric does not match the target',
    messages: {
      segmentationMetric: '{name} measures segmentations, but this sweep fine-tunes a {target}',
      classificationMetric: '{name} measures classifications, but this sweep fine-tunes a {target}',
      regionColumns: 'columns = region needs a segmentation sweep; this one is a {target}',
    },
    explanation: `dice, iou and hd95 measure segmentations; qwk and accuracy measure classifications.
A metric of the other kind is an error (as is a region-per-column table on a
classification sweep).

    evaluate e { metrics = [qwk] }     // error when fine-tuning a segmentation`,
  },
  {
    code: 'SSL049',
    severity: 'error',
    title: 'region uses a label that does not exist',
    messages: {
      backgroundLabel: "region '{name}' uses label 0, the background",
      unknownLabel: "region '{name}' uses label {label}, which dataset {dataset} does not have (labels: {known})",
      noLabels: 'dataset {dataset} has no labels, so it cannot define regions',
      reservedName: "region '{name}': names ending in '__excluded' are reserved (they name the count of excluded cases in results)",
    },
    explanation: `A region is a set of label values of the dataset (BraTS: ET = [4], TC = [1, 4],
WT = [1, 2, 4]). Each value must be one of the dataset's labels, and not the background 0;
unlabelled data cannot define regions. A region name may be any name (even __proto__), except one
ending in __excluded: results use that suffix to count the cases a metric left out.

    regions { ET = [3] }     // error: BraTS labels are 0, 1, 2, 4`,
  },
  {
    code: 'SSL050',
    severity: 'error',
    title: 'unknown region in a metric',
    messages: {
      perCase: "{name} is computed per case, not per region ('.{region}')",
      noSuchRegion: "no region '{region}' in the fine-tuning data (regions: {regions})",
      convergenceOneMetric: 'convergence tracks one metric; name a region, e.g. {metric}.{region}',
      fractionTableOneMetric: 'a table with columns = fraction shows one metric; name a region',
      plotOneMetric: 'a plot shows one metric; name a region',
    },
    explanation: `A per-region metric names a region of the fine-tuning data (metric.REGION); dice
alone means every region. Classification metrics take no region.

    metrics = [dice.WT, dice.XX]     // error: no region XX
    metrics = [qwk.WT]               // error: qwk has no regions`,
  },
  {
    code: 'SSL051',
    severity: 'error',
    title: 'dimension mismatch',
    messages: {
      dimMismatch: 'dim = {declaredDim}, but encoder {encoder} ({kind}) is {dim}D',
      needsVolumes: 'a 3D {task} task needs volumes, but dataset {dataset} holds 2D images',
      encoder3dOn2d: "method '{id}' has a 3D encoder, but the fine-tuning data {dataset} is 2D",
    },
    explanation: `A task's dimension comes from its encoder (unet3d → 3D; unet2d, densenet2d → 2D).
A declared 'dim' must agree, a 3D task needs volumes, and a 3D encoder cannot be
fine-tuned on 2D images.

    pretext r = rotation { dim = 2, encoder = paper3d, … }   // error`,
  },
  {
    code: 'SSL052',
    severity: 'error',
    title: 'input does not fit the encoder',
    messages: {
      inputDoesNotFit: 'the input {spatial} does not fit encoder {encoder}: every side must be a multiple of {divisor}{minimum}',
    },
    explanation: `A U-Net halves its input once per level (and once more with a final pool), and its
decoder concatenates the skips, so every side must be a multiple of 2^(levels−1)
(×2 with a final pool). Resize the data or use fewer levels.

    // 5 levels → multiples of 16
    preprocess { resize = 100x100x100 }    // error
    preprocess { resize = 96x96x96 }       // fix`,
  },
  {
    code: 'SSL053',
    severity: 'error',
    title: 'patch too small for the encoder',
    messages: {
      patchTooSmall: '{what} is {patch} {vx}s, but encoder {encoder} needs at least {min} (it halves its input {halvings} time{plural})',
      cpcPatchDivisor: 'the CPC patch ({patch} {vx}s) must be a multiple of {divisor} for encoder {encoder}',
      cropDivisor: 'the rotation crop ({crop} {vx}s) must be a multiple of {divisor} for encoder {encoder}',
    },
    explanation: `Patch tasks run the encoder on each patch, so a patch must survive every pooling and
be a multiple of the same factor as whole inputs (patches are rounded down to it).

    // paper encoder (16×) on 64³: grid 3 → 21-voxel cells, jitter 3 → 15-voxel patches
    pretext r = rpl { grid = 3, jitter = 3 voxels, … }    // error: needs ≥ 16
    pretext r = rpl { grid = 3, jitter = 2 voxels, … }    // 17 → rounded to 16: fits`,
  },
  {
    code: 'SSL054',
    severity: 'error',
    title: 'fine-tuning data lacks the right labels',
    messages: {
      wrongLabels: '{target} needs {needs}, but dataset {dataset} has {has}',
    },
    explanation: `segmentation needs masks (a labelled phantom3d, brats, decathlon with labelsTr, nifti
with labels); classification needs a class per case (images with a CSV, phantom2d).

    finetune f = segmentation { data = ukb }    // error: ukb has no labels`,
  },
  {
    code: 'SSL055',
    severity: 'error',
    title: 'list length mismatch',
    messages: {
      filtersPerLevel: 'filters lists {count} level{count|s}, but levels = {levels}',
      classWeights: 'class-weights has {count} entries, but there are {classCount} classes ({classes})',
    },
    explanation: `Two settings disagree on a count: an encoder's filters list and its levels, or
class-weights and the number of classes.

    encoder e = unet3d { levels = 4, filters = [8, 16, 32] }    // error
    encoder e = unet3d { filters = [8, 16, 32, 64] }            // fix (levels = 4)`,
  },
  {
    code: 'SSL056',
    severity: 'error',
    title: 'variant not available for this task',
    messages: {
      bugVariant: "variant authors-code-bug exists only for rotation (the duplicated identity class); '{name}' is {task}",
    },
    explanation: `variant = authors-code-bug reproduces a bug of the authors' rotation code (class 9
was a second identity); it exists only for rotation. paper and authors-code exist for
every task.

    pretext j = jigsaw { variant = authors-code-bug, … }    // error`,
  },
  {
    code: 'SSL057',
    severity: 'error',
    title: 'CPC grid too small',
    messages: {
      gridTooSmall: 'CPC needs a grid of at least 3 patches per side (context, centre, prediction), got {grid}',
      tooManyTerms: 'CPC predicts {predictTerms} row{predictTerms|s} below the context, but a {grid}-row grid leaves at most {max}',
      tooManyNegatives: 'CPC draws {negatives} negatives from the other cells of the same volume, but a {grid}-per-side grid has {available}',
    },
    explanation: `CPC summarises context rows and predicts the rows below them: the grid needs at least
3 patches per side, and at most grid − 2 rows can be predicted.

    pretext c = cpc { grid = 4, predict-terms = 3, … }    // error: at most 2`,
  },
  {
    code: 'SSL058',
    severity: 'error',
    title: 'splits leave no training or test data',
    messages: {
      noTrainingSplit: 'the validation ({val}) and test ({test}) splits leave no training cases',
      noTestSplit: 'dataset {dataset} has no test cases (test = {test}{ofCases}), but evaluate {evaluate} tests on them',
    },
    explanation: `The validation and test fractions of a dataset's split must leave training cases,
and a dataset that is evaluated (the fine-tuning data of a sweep without folds) needs at least one
test case: otherwise every evaluation would fail at run time, after all the training.

    split { val = 50%, test = 50% }      // error: no training case
    split { val = 10%, test = 0% }       // error when a sweep evaluates on it`,
  },
  {
    code: 'SSL059',
    severity: 'error',
    title: 'scratch has no encoder',
    messages: {
      noEncoder: 'scratch needs an encoder: no pretext method in this sweep has one of the right dimension',
      severalEncoders: 'scratch needs an encoder, and the pretext methods use several',
    },
    explanation: `The scratch baseline trains the same architecture from random weights. It takes the
finetune block's 'encoder', or else the single encoder the sweep's methods of the data's
dimension share; when neither exists (or they differ), declare it.

    finetune seg = segmentation { data = brats2018, encoder = paper3d, … }`,
  },
] as const satisfies readonly CodeInfo[];
