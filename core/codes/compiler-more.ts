// Compiler diagnostics SSL060–SSL099: channels and reports, warnings, limits, source files and
// internal errors. Part of the catalogue of compiler codes gathered by ./compiler.ts.

import type { CodeInfo } from './info.js';

export const codes = [
  {
    code: 'SSL060',
    severity: 'error',
    title: 'channel index out of range',
    messages: {
      channelDoesNotExist: 'channel {ch} does not exist: dataset {dataset} has {count} channel{count|s} (0…{last})',
      nameCount: 'channel-names lists {names} name{names|s}, but dataset {dataset} has {count} channel{count|s}',
    },
    explanation: `preprocess { channels = [...] } selects channels by 0-based index; each must exist.

    // brats with modalities [t1, t1ce, t2, flair] has channels 0…3
    preprocess { channels = [0, 4] }    // error`,
  },
  {
    code: 'SSL061',
    severity: 'error',
    title: 'report asks for something the sweep does not produce',
    messages: {
      fractionNotRun: 'the sweep does not run {fraction} (it runs {fractions})',
      duplicateName: "the report already has a table or plot named '{name}'",
      tableMetricMissing: 'the table shows {missing}, which the evaluation does not compute',
      plotMetricMissing: 'the plot shows {metric}, which the evaluation does not compute',
    },
    explanation: `A table or plot refers to a label fraction the sweep does not run, a metric the
evaluation does not compute, or reuses the name of another table or plot.

    evaluate e { fractions = [10%, 100%] }
    report r { table t { fraction = 50% } }     // error: 50% is not run`,
  },
  {
    code: 'SSL062',
    severity: 'error',
    title: 'convergence plot without a tracked metric',
    messages: {
      noConvergence: 'a convergence plot needs a metric tracked every epoch, but the evaluation has convergence = none',
      otherMetric: 'the convergence plot shows {metric}, but only {tracked} is tracked every epoch',
    },
    explanation: `Convergence plots show the metric computed on the validation set after every epoch:
the evaluation's 'convergence' metric. It must exist and be the one plotted.

    evaluate e { convergence = dice.WT }
    report r { plot curves { kind = convergence, metric = dice.WT } }`,
  },
  {
    code: 'SSL063',
    severity: 'error',
    title: 'unknown reference table',
    messages: {
      unknownReference: "unknown reference table '{ref}'",
    },
    explanation: `A table can be printed beside a published one. Known references: taleb2020-table1
(BraTS 2018 Dice, Taleb et al. 2020, Table 1).

    table regions { reference = taleb2020-table1 }`,
  },
  {
    code: 'SSL064',
    severity: 'error',
    title: 'empty intensity window',
    messages: {
      emptyWindow: 'the window [{low}, {high}] is empty: its low end must be below its high end',
    },
    explanation: `A CT window [low, high] keeps intensities between low and high; low must be below high.

    preprocess { window = [240, -100] }    // error
    preprocess { window = [-100, 240] }    // fix`,
  },
  {
    code: 'SSL065',
    severity: 'error',
    title: 'method with nothing to run',
    messages: {
      noArm: "method '{name}' has no arm to run: arms = [{arms}] has neither frozen nor finetune",
    },
    explanation: `A pretext method in a sweep is fine-tuned in the frozen and/or finetune arms; with
arms = [scratch] only, it would never run.

    sweep s { methods = [rot3d, scratch], arms = [scratch], … }    // error for rot3d`,
  },
  {
    code: 'SSL066',
    severity: 'error',
    title: 'item listed twice',
    messages: {
      listedTwice: "{item} is listed twice in '{key}'",
      channelTwice: 'channel {ch} is selected twice',
      methodTwice: "method '{name}' is listed twice",
      modalityTwice: "the modality '{modality}' is listed twice",
    },
    explanation: `A list holds the same item twice (a fraction, an arm, a method, a modality, a
selected channel, a format): it would run or count the same thing twice.

    fractions = [10%, 0.1]     // error: the same fraction`,
  },
  {
    code: 'SSL067',
    severity: 'warning',
    title: 'declared but never used',
    messages: {
      unused: '{kind} {name} is declared but never used',
    },
    explanation: `A dataset, encoder, finetune or evaluate block of the experiment file is not referred
to by anything, so it has no effect — often a sign of a misspelt reference elsewhere or a
block that was meant to be in a sweep. Declarations in imported files are not reported.

    dataset tumors = phantom3d { … }       // warning: the finetune block uses 'tumours'`,
  },
  {
    code: 'SSL068',
    severity: 'error',
    title: 'slicing where none applies',
    messages: {
      slicesNotNeeded: "slices only apply to a 2D task on 3D volumes; '{name}' is a {dim}D task on {dataDim}D data",
    },
    explanation: `slices { … } only applies to a 2D task on 3D volumes.

    pretext r = rotation { encoder = paper3d, slices { axis = 0 }, … }    // error`,
  },
  {
    code: 'SSL069',
    severity: 'warning',
    title: 'warm-up without a finetune arm',
    messages: {
      warmupUnused: 'warmup has no effect: none of the arms [{arms}] is finetune',
    },
    explanation: `The warm-up applies only to the finetune arm (the encoder is frozen for the first
epochs, then trained). With arms that do not include finetune, a declared warm-up does nothing.

    finetune f = segmentation { arms = [scratch, frozen], warmup = 25 epochs }   // warning`,
  },
  {
    code: 'SSL070',
    severity: 'error',
    title: 'two methods share a report label',
    messages: {
      sameLabel: "two methods would both be reported as '{label}'",
    },
    explanation: `Methods are reported as 3D-Rotation, 2D-CPC, … (or their 'label'); a variant other than
paper is part of the default label (3D-Jigsaw (authors-code)). Two methods with the same label
(e.g. two rotation runs that differ in copies) would merge in tables; label one of them.

    pretext rot4 = rotation { copies = 4, label = "3D-Rotation ×4", … }`,
  },
  {
    code: 'SSL071',
    severity: 'warning',
    title: 'crop threshold does not fit the intensity window',
    messages: {
      belowWindow: '{what} is below the window [{lo}, {hi}]: every voxel is above it, so the crop keeps the whole volume',
      aboveWindow: "{what} is not below the window's high end {hi}: no voxel is above it, so the crop keeps the whole volume",
      looksLikeFraction: `{what} looks like a fraction of the normalised range, but the crop runs after windowing and before normalisation: it means "above {threshold}" in the window's units [{lo}, {hi}]`,
    },
    explanation: `The foreground crop keeps the box of voxels above 'threshold'. It runs after the CT
window and before normalisation, so the threshold is in the window's units (Hounsfield units for
CT), not a fraction of the normalised 0…1 range. A threshold below the window crops nothing,
one at or above its high end finds no foreground (the volume is kept whole), and one between 0
and 1 in a wide window is most likely meant as a normalised value.

    preprocess { window = [-100, 240], crop { threshold = 0.05 } }   // warning: "above 0.05 HU" = soft tissue only
    preprocess { window = [-100, 240], crop { threshold = -100 } }   // fix: air is clamped to -100, the body is above`,
  },
  {
    code: 'SSL072',
    severity: 'warning',
    title: 'hd95-empty without an hd95 metric',
    messages: {
      hd95EmptyUnused: 'hd95-empty has no effect: no hd95 metric is evaluated',
    },
    explanation: `'hd95-empty' sets the HD95 scored when exactly one of the reference and the prediction
is empty (e.g. 373.13 mm, the BraTS convention). When no hd95 metric is evaluated it does nothing.

    evaluate ev { metrics = [dice.WT], hd95-empty = 373.13 mm }            // warning
    evaluate ev { metrics = [dice.WT, hd95.WT], hd95-empty = 373.13 mm }   // fix`,
  },
  {
    code: 'SSL073',
    severity: 'warning',
    title: 'figure formats without a plot',
    messages: {
      noPlot: 'format{count|s} {formats} {verb} figures, but report {report} declares no plot: no figure will be written',
    },
    explanation: `svg and png are the formats of figures; tables are written as md, csv and tex. A report
that asks for svg or png but declares no plot writes no figure at all.

    report r { table t { rows = method }, formats = [md, png] }                                   // warning
    report r { table t { rows = method }, plot p { kind = data-efficiency, metric = dice }, formats = [md, png] }   // fix`,
  },
  {
    code: 'SSL074',
    severity: 'warning',
    title: 'channels adapted by order, not by modality',
    messages: {
      pairsByOrder: 'the duplicate adapter pairs channels by order ({pairs}): {why}',
    },
    explanation: `When a pretrained encoder saw fewer channels than the fine-tuning data (UK Biobank
[t1, flair] → BraTS [t1, t1ce, t2, flair]), adapter = duplicate pairs each fine-tuning channel
with a pretrained one by modality name: the same name, else one of its family (t1 → t1, t1ce;
flair → flair, t2), each copy scaled so the layer's response is kept. Names come from
channel-names, BraTS modalities or the phantoms' contrasts. When a dataset has no names, or a
name has no partner, channel j takes pretrained channel j mod C instead, which may pair t1ce
with FLAIR filters.

    dataset ukb = nifti { images = ["a/*/T1.nii.gz", "a/*/FLAIR.nii.gz"] }                                // warning
    dataset ukb = nifti { images = ["a/*/T1.nii.gz", "a/*/FLAIR.nii.gz"], channel-names = [t1, flair] }   // fix`,
  },
  {
    code: 'SSL080',
    severity: 'error',
    title: 'more repetitions than cross-validation folds',
    messages: {
      moreRepetitionsThanFolds: '{repetitions} repetitions but {folds} folds: repetition r tests on fold r, so there can be at most {folds}',
    },
    explanation: `With folds = K in an evaluate block, the dataset's train and test splits are dealt into K
folds (stratified by grade when every case has one) and repetition r tests on fold r, drawing its
label fractions from the other K − 1 folds; the validation split stays fixed. A repetition
beyond the last fold would have no fold to test on. Without repetitions, folds = K runs K.

    evaluate kappa { folds = 5, repetitions = 10 }   // error
    evaluate kappa { folds = 5 }                     // fix: 5 repetitions, one per fold`,
  },
  {
    code: 'SSL076',
    severity: 'warning',
    title: 'grid patches cropped to fit the encoder (plan warning)',
    messages: {
      cropped: 'pretext {name}: the {raw}-{unit} patches (cell {cells} − 2 × jitter {jitter}) are cropped to {used}, because the encoder halves its input {halvings} time{plural} (sides must be multiples of {divisor}){exactly}',
    },
    explanation: `RPL and Jigsaw cut each input into a grid of cells and take one patch per cell, cell − 2 ×
jitter per side. The encoder halves its input once per pooling, so a patch side must be a
multiple of 2^poolings; a patch that is not is cropped down to the nearest multiple when the
task runs (34 → 32 for an encoder that pools twice), and the pixels cut off are never seen.
\`ssl3d plan\` says so with this warning (the size used, the reason, and a jitter that fits
exactly when there is one); \`check\` stays quiet, because the paper's own setting crops too
(128³ BraTS volumes, grid 3, jitter 3: 36³ patches, 32³ used by the 5-level encoder).

    pretext j = jigsaw { data = img, encoder = tiny2d, grid = 3, jitter = 8 px }   // 102 px images: cell 34, patch 18 → 16, warning
    pretext j = jigsaw { data = img, encoder = tiny2d, grid = 3, jitter = 9 px }   // patch 16: fits`,
  },
  {
    code: 'SSL077',
    severity: 'error',
    title: 'value beyond a sane limit',
    messages: {
      tooLarge: '{what} = {value} is beyond what ssl3d runs (at most {max})',
      sideTooLarge: '{name} {size} has a side of {side}; ssl3d takes at most {max} per side in {dim}D',
      zeroWeights: 'class-weights are all 0: the weighted loss would be 0/0 (NaN) at the first step',
    },
    explanation: `Sizes, counts and training lengths have limits far above any real experiment and below what
breaks the runtime: at most 1024 voxels per side in 3D and 16384 pixels in 2D, 100 000 epochs,
a batch of 4096, 1 000 000 steps per epoch, 4096 slices per volume (the block schemas cap cases
and larger batches already, SSL029); whole numbers must be exact (below 2^53). Without them a typo such as
size = 100000x100000x100000 passed check and failed at run time with "Invalid typed array
length", and epochs = 9007199254740993 was silently read as another number. Class weights are
at most 1 000 000 each (1e308 is infinite in the 32-bit floats training uses) and not all 0.

    dataset d = phantom3d { size = 100000x100000x100000 }   // error
    dataset d = phantom3d { size = 128x128x128 }            // fix`,
  },
  {
    code: 'SSL078',
    severity: 'warning',
    title: 'training does not fit in this machine\'s memory',
    messages: {
      tooMuchMemory: '{what} needs about {needed} of memory to train (activations {activations} at batch {batch}, plus weights, gradients and optimiser state), but this machine has {available}',
    },
    explanation: `ssl3d check, plan and run compare each pretext and finetune block's memory estimate with the
machine's memory before anything runs: the activations a training step keeps for the backward
pass (the cost model's figure that plan prints as "MB act", for the whole batch) plus four
float32 copies of the trainable weights (weights, gradients, Adam's two moments). The estimate
leaves out the input batch and tfjs's temporaries, so it is a lower bound: a block over the
limit will not fit. The hint gives the batch that would fit the estimate.
SSL3D_MACHINE_MEMORY=<bytes> compares with another size (0 turns the check off).

    pretext jig = jigsaw { …, train { batch = 64 } }   // warning on a 24 GB machine with 128³ inputs`,
  },
  {
    code: 'SSL090',
    severity: 'error',
    title: 'NUL byte in a string',
    messages: {
      nulByte: 'this string contains a NUL byte (\\0); no path or setting can hold one',
    },
    explanation: `A string value (a data path, a pattern, a name) contains the byte 0, e.g. written
as "\\u0000" or pasted from a binary file. The operating system would cut a path at that
byte and read a different file than the one written, so the value is refused at check time.`,
  },
  {
    code: 'SSL091',
    severity: 'error',
    title: 'import refused',
    messages: {
      nulByte: 'the import path contains a NUL byte',
      absolute: "absolute imports are not allowed ('{path}'); import a path relative to this file, inside the project folder",
      leavesProject: "'{path}' leaves the project folder {root}; imports must stay inside it",
      notSsl: "'{path}' is not an .ssl file; only .ssl files can be imported{suggestion}",
      cannotImport: "cannot import '{path}': {reason}",
      cannotRead: 'cannot read {file}: {reason}',
      tooDeep: 'imports are nested more than {max} files deep here',
    },
    explanation: `An import must name an .ssl file inside the project folder: the nearest folder above
the experiment file that holds a package.json, else the experiment file's own folder. Refused:
absolute paths, paths whose '..' leave that folder, symbolic links that resolve outside it,
anything that is not a regular file (devices such as /dev/zero, named pipes, folders), files
over 4 MB, binary files (NUL bytes or invalid UTF-8), and imports nested more than 64 files
deep (a file importing a file importing …). A refused file is never read into a
message, so its contents are not shown. Copy the shared file into the project, or move the
experiment next to it.`,
  },
  {
    code: 'SSL098',
    severity: 'error',
    title: 'invalid execution graph file',
    messages: {
      invalidGraph: 'invalid execution graph: {problems|all}{more}',
    },
    explanation: `A graph read from disk (e.g. written by 'ssl3d plan --json' and run later) does not
match the graph schema (core/graph-schema.ts), or breaks an invariant: duplicate node
ids, an input that is not an earlier node, a node wired to inputs of the wrong kind.
Recompile the experiment instead of editing the graph by hand.`,
  },
  {
    code: 'SSL099',
    severity: 'error',
    title: 'internal compiler error',
    messages: {
      inChecker: 'internal compiler error while checking {kind} {name}: {reason}',
      internalCompilerError: 'internal compiler error: {reason}',
    },
    explanation: `The compiler failed unexpectedly on this input. This is a bug in ssl3d; please report
it with the file. Set SSL3D_DEBUG=1 for details.`,
  },
] as const satisfies readonly CodeInfo[];
