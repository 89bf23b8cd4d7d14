// The catalogue of compiler diagnostics (SSL020–SSL099): names, schemas, units and the domain
// checks done before any compute. `ssl3d explain SSL0NN` prints the long form; docs/language.md
// lists them. Codes are stable: never renumber, only add.

import type { CodeInfo } from './info.js';

export const codes = [
  {
    code: 'SSL020',
    title: 'unknown declaration kind',
    explanation: `A declaration starts with a word that is not a declaration kind. The kinds are
experiment, dataset, encoder, pretext, finetune, evaluate, sweep and report.

    pretrain rot = rotation { … }     // error: 'pretrain' is not a kind
    pretext rot = rotation { … }      // fix`,
  },
  {
    code: 'SSL021',
    title: 'unknown or unexpected declaration type',
    explanation: `The word after '=' names the type of a dataset, encoder, pretext task or fine-tuning
target, and it must be one the compiler knows. experiment, evaluate, sweep and report take
no type at all.

    dataset ukb = niftii { … }        // error: did you mean 'nifti'?
    evaluate e = protocol { … }       // error: evaluate takes no type
    evaluate protocol { … }           // fix

Types: dataset nifti | brats | decathlon | nnunet | images | phantom3d | phantom2d;
encoder unet3d | unet2d | densenet2d; pretext cpc | rpl | jigsaw | rotation | exemplar;
finetune segmentation | classification.`,
  },
  {
    code: 'SSL022',
    title: 'missing declaration type',
    explanation: `datasets, encoders, pretext tasks and fine-tuning blocks need a type after '='.

    encoder tiny { preset = small }            // error
    encoder tiny = unet3d { preset = small }   // fix`,
  },
  {
    code: 'SSL023',
    title: 'unknown key',
    explanation: `Every block has a fixed set of keys (see docs/language.md). A key the block does not
know is an error, never silently ignored: a misspelt key would otherwise run an
experiment with a default you did not intend. The hint suggests the closest known key.

    train { epoch = 10 }      // error: did you mean 'epochs'?
    train { epochs = 10 }     // fix`,
  },
  {
    code: 'SSL024',
    title: 'missing required key',
    explanation: `The block lacks a key it cannot do without, e.g. a pretext task without the data it
trains on, a brats dataset without its root folder, or a segmentation dataset whose label
values cannot be inferred.

    pretext rot = rotation { encoder = tiny }               // error: missing 'data'
    pretext rot = rotation { data = ukb, encoder = tiny }   // fix`,
  },
  {
    code: 'SSL025',
    title: 'wrong kind of value',
    explanation: `The value has the wrong type for its key: a word where a number is needed, a number
where a quoted path is needed, a list where one value is needed, and so on. The message
says what the key expects, with an example.

    root = data/brats         // error: paths are quoted strings
    root = "data/brats"       // fix
    batch = two               // error: a batch size is a whole number`,
  },
  {
    code: 'SSL026',
    title: 'wrong unit',
    explanation: `A number carries a unit the key does not accept, or a key that takes a plain number
got a quantity with a unit. Units are checked so that a percentage cannot be read as a
number of epochs, nor a learning rate as a duration.

    epochs = 10%              // error: a number of epochs
    warmup = 25 epochs        // ok (a bare 25 is also accepted)
    lr = 25 epochs            // error: a learning rate has no unit
    jitter = 3 voxels         // ok ('px', 'pixels' and 'voxel' mean the same)`,
  },
  {
    code: 'SSL027',
    title: 'key set twice',
    explanation: `The same key appears twice in one block (or the learning rate is given both as
train.lr and inside the optimiser). Only 'table' and 'plot' may repeat in a report.

    train { epochs = 10, epochs = 20 }     // error: which one?`,
  },
  {
    code: 'SSL028',
    title: 'empty or oversized range',
    explanation: `A range a..b [step s] expands into a list; it must have at least one value (b ≥ a,
s > 0) and at most 10000.

    fractions = [10%..100% step 10%]      // 10 fractions
    repetitions = 3                        // (a range is not needed here)
    x = 5..1                               // error: empty`,
  },
  {
    code: 'SSL029',
    title: 'value out of range',
    explanation: `The number is of the right kind but outside what the key allows (e.g. a dropout rate
of 1.5, a batch of 0, a fraction above 100%, a list that is too short or too long).

    dropout = 1.5             // error: a rate in [0, 1)
    fractions = [150%]        // error: at most 100%`,
  },
  {
    code: 'SSL030',
    title: 'unknown keyword value',
    explanation: `The key accepts one of a fixed set of words and got another. The hint suggests the
closest one.

    normalize = min-max       // error: did you mean 'minmax'?
    backend = gpu             // error: auto, native, cpu or tensorflow`,
  },
  {
    code: 'SSL031',
    title: 'duplicate name',
    explanation: `Two declarations share a name. Names form one namespace across kinds (a dataset and
a report cannot both be called 'pancreas'), and names imported without an alias join it.

    import "shared/brain.ssl"           // declares brats2018
    dataset brats2018 = brats { … }     // error: clashes with the import
    import "shared/brain.ssl" as brain  // fix: then refer to brain.brats2018`,
  },
  {
    code: 'SSL032',
    title: 'undefined name',
    explanation: `A reference names no declaration in this file or its imports. Imports are not
transitive: a file sees only what it declares and imports itself. Aliased imports are
referenced as ALIAS.NAME.

    pretext rot = rotation { data = ubk, … }   // error: did you mean 'ukb'?`,
  },
  {
    code: 'SSL033',
    title: 'reference to the wrong kind',
    explanation: `The name exists but is of another kind than the key needs.

    sweep s { finetune = protocol, … }   // error: 'protocol' is an evaluate block`,
  },
  {
    code: 'SSL034',
    title: 'file cannot be read',
    explanation: `An imported file (relative to the importing file's folder) or the experiment file
itself does not exist or cannot be read.

    import "shared/datasets"         // error: the .ssl extension is part of the name
    import "shared/datasets.ssl"     // fix`,
  },
  {
    code: 'SSL035',
    title: 'import cycle',
    explanation: `Files import each other in a loop; the message shows the cycle. Move the shared
declarations into a third file that imports neither.

    a.ssl: import "b.ssl"
    b.ssl: import "a.ssl"            // error: a.ssl → b.ssl → a.ssl`,
  },
  {
    code: 'SSL036',
    title: 'no experiment, or more than one',
    explanation: `The file given to check/plan/run must declare exactly one experiment (its seed and
backend). Imported files may hold datasets, encoders and tasks; their experiment blocks
are ignored.

    experiment demo { seed = 42, backend = auto }`,
  },
  {
    code: 'SSL038',
    title: 'report without a sweep',
    explanation: `A report summarises one sweep. With several sweeps it must name one; with none there
is nothing to report.

    report paper { sweep = table1, table regions { rows = method } }`,
  },
  {
    code: 'SSL039',
    title: 'bad --set override',
    explanation: `--set takes PATH=VALUE. PATH names a declaration and a key inside it: NAME.key.key,
optionally prefixed by the kind (pretext.rot3d.train.epochs), or experiment.key for the
experiment. The value is written as in a file and checked like one.

    ssl3d check x.ssl --set rot3d.train.epochs=2
    ssl3d check x.ssl --set experiment.backend=cpu
    ssl3d check x.ssl --set protocol.fractions=[10%,100%]`,
  },
  {
    code: 'SSL040',
    title: 'input size unknown or of the wrong rank',
    explanation: `Models are built before any data is read, so the input size must be known at compile
time: phantoms have a size; file datasets need preprocess { resize = … }. A 3D dataset
needs a 3D size (128x128x128), a 2D one a 2D size (224x224).

    dataset brats = brats { root = "data/brats" }                          // unknown size
    dataset brats = brats { root = "data/brats", preprocess { resize = 128x128x128 } }`,
  },
  {
    code: 'SSL041',
    title: 'patch grid does not fit the volume',
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
    title: 'grid without a centre',
    explanation: `RPL predicts where a patch lies relative to the centre patch, and 3D Jigsaw follows
the same layout; both need an odd number of patches per side.

    pretext r = rpl { grid = 4, … }      // error
    pretext r = rpl { grid = 3, … }      // fix`,
  },
  {
    code: 'SSL043',
    title: 'more permutations than orderings',
    explanation: `Jigsaw classifies which of N permutations shuffled the patches. A grid of n patches
per side has n^d patches and only (n^d)! orderings, so N must not exceed that.

    // 2D, grid 2: 4 patches, 4! = 24 orderings
    pretext j = jigsaw { grid = 2, permutations = 100, … }    // error`,
  },
  {
    code: 'SSL044',
    title: 'warm-up not shorter than training',
    explanation: `The finetune arm keeps the encoder frozen for the warm-up epochs, then trains it;
the warm-up must be shorter than the number of epochs (the authors' code asserts the
same). The paper's defaults are 25 epochs (3D segmentation) and 5 (2D classification).

    finetune f = segmentation { warmup = 25 epochs, train { epochs = 10 } }   // error
    finetune f = segmentation { warmup = 2 epochs, train { epochs = 10 } }    // fix`,
  },
  {
    code: 'SSL045',
    title: 'label fraction without a training case',
    explanation: `Where the dataset size is known (phantoms, or a declared 'cases'), every label
fraction must select at least one training case: floor(fraction × training cases) ≥ 1,
where training cases = cases − test cases − validation cases, and each held-out split
has round(fraction × cases) cases, at least 1 when its fraction is above 0.

    // 24 cases, 25% test, 10% val → 16 training cases; 5% of 16 = 0.8
    fractions = [5%, 100%]     // error on 5%`,
  },
  {
    code: 'SSL046',
    title: 'channel counts differ and no adapter',
    explanation: `The encoder was pretrained on data with C channels and is fine-tuned on data with C′.
Its first convolution must be adapted, and the choice matters, so it must be declared:
duplicate (repeat the pretrained filters, the paper's choice for UK Biobank 2 → BraTS 4),
average (the mean filter for every new channel) or zero (new channels start at zero).

    finetune seg = segmentation { data = brats2018, adapter = duplicate, … }`,
  },
  {
    code: 'SSL047',
    title: '2D task on 3D data without slicing',
    explanation: `A 2D encoder sees images; on 3D volumes the compiler must know how slices are taken
(the axis and how many per volume). Declare it in the pretext task (and, for fine-tuning,
in the finetune block, which otherwise inherits the pretext task's slicing).

    pretext rot2d = rotation { data = ukb, encoder = unet2d_enc,
                               slices { axis = axial, per-volume = 16 } }`,
  },
  {
    code: 'SSL048',
    title: 'metric does not match the target',
    explanation: `dice, iou and hd95 measure segmentations; qwk and accuracy measure classifications.
A metric of the other kind is an error (as is a region-per-column table on a
classification sweep).

    evaluate e { metrics = [qwk] }     // error when fine-tuning a segmentation`,
  },
  {
    code: 'SSL049',
    title: 'region uses a label that does not exist',
    explanation: `A region is a set of label values of the dataset (BraTS: ET = [4], TC = [1, 4],
WT = [1, 2, 4]). Each value must be one of the dataset's labels, and not the background 0;
unlabelled data cannot define regions.

    regions { ET = [3] }     // error: BraTS labels are 0, 1, 2, 4`,
  },
  {
    code: 'SSL050',
    title: 'unknown region in a metric',
    explanation: `A per-region metric names a region of the fine-tuning data (metric.REGION); dice
alone means every region. Classification metrics take no region.

    metrics = [dice.WT, dice.XX]     // error: no region XX
    metrics = [qwk.WT]               // error: qwk has no regions`,
  },
  {
    code: 'SSL051',
    title: 'dimension mismatch',
    explanation: `A task's dimension comes from its encoder (unet3d → 3D; unet2d, densenet2d → 2D).
A declared 'dim' must agree, a 3D task needs volumes, and a 3D encoder cannot be
fine-tuned on 2D images.

    pretext r = rotation { dim = 2, encoder = paper3d, … }   // error`,
  },
  {
    code: 'SSL052',
    title: 'input does not fit the encoder',
    explanation: `A U-Net halves its input once per level (and once more with a final pool), and its
decoder concatenates the skips, so every side must be a multiple of 2^(levels−1)
(×2 with a final pool). Resize the data or use fewer levels.

    // 5 levels → multiples of 16
    preprocess { resize = 100x100x100 }    // error
    preprocess { resize = 96x96x96 }       // fix`,
  },
  {
    code: 'SSL053',
    title: 'patch too small for the encoder',
    explanation: `Patch tasks run the encoder on each patch, so a patch must survive every pooling and
be a multiple of the same factor as whole inputs (patches are rounded down to it).

    // paper encoder (16×) on 64³: grid 3 → 21-voxel cells, jitter 3 → 15-voxel patches
    pretext r = rpl { grid = 3, jitter = 3 voxels, … }    // error: needs ≥ 16
    pretext r = rpl { grid = 3, jitter = 2 voxels, … }    // 17 → rounded to 16: fits`,
  },
  {
    code: 'SSL054',
    title: 'fine-tuning data lacks the right labels',
    explanation: `segmentation needs masks (a labelled phantom3d, brats, decathlon with labelsTr, nifti
with labels); classification needs a class per case (images with a CSV, phantom2d).

    finetune f = segmentation { data = ukb }    // error: ukb has no labels`,
  },
  {
    code: 'SSL055',
    title: 'list length mismatch',
    explanation: `Two settings disagree on a count: an encoder's filters list and its levels, or
class-weights and the number of classes.

    encoder e = unet3d { levels = 4, filters = [8, 16, 32] }    // error
    encoder e = unet3d { filters = [8, 16, 32, 64] }            // fix (levels = 4)`,
  },
  {
    code: 'SSL056',
    title: 'variant not available for this task',
    explanation: `variant = authors-code-bug reproduces a bug of the authors' rotation code (class 9
was a second identity); it exists only for rotation. paper and authors-code exist for
every task.

    pretext j = jigsaw { variant = authors-code-bug, … }    // error`,
  },
  {
    code: 'SSL057',
    title: 'CPC grid too small',
    explanation: `CPC summarises context rows and predicts the rows below them: the grid needs at least
3 patches per side, and at most grid − 2 rows can be predicted.

    pretext c = cpc { grid = 4, predict-terms = 3, … }    // error: at most 2`,
  },
  {
    code: 'SSL058',
    title: 'splits leave no training data',
    explanation: `The validation and test fractions of a dataset's split must leave training cases.

    split { val = 50%, test = 50% }      // error`,
  },
  {
    code: 'SSL059',
    title: 'scratch has no encoder',
    explanation: `The scratch baseline trains the same architecture from random weights. It takes the
finetune block's 'encoder', or else the single encoder the sweep's methods of the data's
dimension share; when neither exists (or they differ), declare it.

    finetune seg = segmentation { data = brats2018, encoder = paper3d, … }`,
  },
  {
    code: 'SSL060',
    title: 'channel index out of range',
    explanation: `preprocess { channels = [...] } selects channels by 0-based index; each must exist.

    // brats with modalities [t1, t1ce, t2, flair] has channels 0…3
    preprocess { channels = [0, 4] }    // error`,
  },
  {
    code: 'SSL061',
    title: 'report asks for something the sweep does not produce',
    explanation: `A table or plot refers to a label fraction the sweep does not run, a metric the
evaluation does not compute, or reuses the name of another table or plot.

    evaluate e { fractions = [10%, 100%] }
    report r { table t { fraction = 50% } }     // error: 50% is not run`,
  },
  {
    code: 'SSL062',
    title: 'convergence plot without a tracked metric',
    explanation: `Convergence plots show the metric computed on the validation set after every epoch:
the evaluation's 'convergence' metric. It must exist and be the one plotted.

    evaluate e { convergence = dice.WT }
    report r { plot curves { kind = convergence, metric = dice.WT } }`,
  },
  {
    code: 'SSL063',
    title: 'unknown reference table',
    explanation: `A table can be printed beside a published one. Known references: taleb2020-table1
(BraTS 2018 Dice, Taleb et al. 2020, Table 1).

    table regions { reference = taleb2020-table1 }`,
  },
  {
    code: 'SSL064',
    title: 'empty intensity window',
    explanation: `A CT window [low, high] keeps intensities between low and high; low must be below high.

    preprocess { window = [240, -100] }    // error
    preprocess { window = [-100, 240] }    // fix`,
  },
  {
    code: 'SSL065',
    title: 'method with nothing to run',
    explanation: `A pretext method in a sweep is fine-tuned in the frozen and/or finetune arms; with
arms = [scratch] only, it would never run.

    sweep s { methods = [rot3d, scratch], arms = [scratch], … }    // error for rot3d`,
  },
  {
    code: 'SSL066',
    title: 'item listed twice',
    explanation: `A list holds the same item twice (a fraction, an arm, a method, a modality, a
selected channel, a format): it would run or count the same thing twice.

    fractions = [10%, 0.1]     // error: the same fraction`,
  },
  {
    code: 'SSL067',
    title: 'declared but never used (warning)',
    explanation: `A dataset, encoder, finetune or evaluate block of the experiment file is not referred
to by anything, so it has no effect — often a sign of a misspelt reference elsewhere or a
block that was meant to be in a sweep. Declarations in imported files are not reported.

    dataset tumors = phantom3d { … }       // warning: the finetune block uses 'tumours'`,
  },
  {
    code: 'SSL068',
    title: 'slicing where none applies',
    explanation: `slices { … } only applies to a 2D task on 3D volumes.

    pretext r = rotation { encoder = paper3d, slices { axis = 0 }, … }    // error`,
  },
  {
    code: 'SSL069',
    title: 'warm-up without a finetune arm (warning)',
    explanation: `The warm-up applies only to the finetune arm (the encoder is frozen for the first
epochs, then trained). With arms that do not include finetune, a declared warm-up does nothing.

    finetune f = segmentation { arms = [scratch, frozen], warmup = 25 epochs }   // warning`,
  },
  {
    code: 'SSL070',
    title: 'two methods share a report label',
    explanation: `Methods are reported as 3D-Rotation, 2D-CPC, … (or their 'label'); a variant other than
paper is part of the default label (3D-Jigsaw (authors-code)). Two methods with the same label
(e.g. two rotation runs that differ in copies) would merge in tables; label one of them.

    pretext rot4 = rotation { copies = 4, label = "3D-Rotation ×4", … }`,
  },
  {
    code: 'SSL071',
    title: 'crop threshold does not fit the intensity window (warning)',
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
    title: 'hd95-empty without an hd95 metric (warning)',
    explanation: `'hd95-empty' sets the HD95 scored when exactly one of the reference and the prediction
is empty (e.g. 373.13 mm, the BraTS convention). When no hd95 metric is evaluated it does nothing.

    evaluate ev { metrics = [dice.WT], hd95-empty = 373.13 mm }            // warning
    evaluate ev { metrics = [dice.WT, hd95.WT], hd95-empty = 373.13 mm }   // fix`,
  },
  {
    code: 'SSL073',
    title: 'figure formats without a plot (warning)',
    explanation: `svg and png are the formats of figures; tables are written as md, csv and tex. A report
that asks for svg or png but declares no plot writes no figure at all.

    report r { table t { rows = method }, formats = [md, png] }                                   // warning
    report r { table t { rows = method }, plot p { kind = data-efficiency, metric = dice }, formats = [md, png] }   // fix`,
  },
  {
    code: 'SSL074',
    title: 'channels adapted by order, not by modality (warning)',
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
    title: 'more repetitions than cross-validation folds',
    explanation: `With folds = K in an evaluate block, the dataset's train and test splits are dealt into K
folds (stratified by grade when every case has one) and repetition r tests on fold r, drawing its
label fractions from the other K − 1 folds; the validation split stays fixed. A repetition
beyond the last fold would have no fold to test on. Without repetitions, folds = K runs K.

    evaluate kappa { folds = 5, repetitions = 10 }   // error
    evaluate kappa { folds = 5 }                     // fix: 5 repetitions, one per fold`,
  },
  {
    code: 'SSL076',
    title: 'grid patches cropped to fit the encoder (plan warning)',
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
    title: 'value beyond a sane limit',
    explanation: `Sizes, counts and training lengths have limits far above any real experiment and below what
breaks the runtime: at most 1024 voxels per side in 3D and 16384 pixels in 2D, 100 000 epochs,
a batch of 4096, 1 000 000 steps per epoch, 4096 slices per volume (the block schemas cap cases
and larger batches already, SSL029); whole numbers must be exact (below 2^53). Without them a typo such as
size = 100000x100000x100000 passed check and failed at run time with "Invalid typed array
length", and epochs = 9007199254740993 was silently read as another number.

    dataset d = phantom3d { size = 100000x100000x100000 }   // error
    dataset d = phantom3d { size = 128x128x128 }            // fix`,
  },
  {
    code: 'SSL078',
    title: 'training does not fit in this machine\'s memory (warning)',
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
    title: 'NUL byte in a string',
    explanation: `A string value (a data path, a pattern, a name) contains the byte 0, e.g. written
as "\\u0000" or pasted from a binary file. The operating system would cut a path at that
byte and read a different file than the one written, so the value is refused at check time.`,
  },
  {
    code: 'SSL091',
    title: 'import refused',
    explanation: `An import must name an .ssl file inside the project folder: the nearest folder above
the experiment file that holds a package.json, else the experiment file's own folder. Refused:
absolute paths, paths whose '..' leave that folder, symbolic links that resolve outside it,
anything that is not a regular file (devices such as /dev/zero, named pipes, folders), files
over 4 MB, and binary files (NUL bytes or invalid UTF-8). A refused file is never read into a
message, so its contents are not shown. Copy the shared file into the project, or move the
experiment next to it.`,
  },
  {
    code: 'SSL098',
    title: 'invalid execution graph file',
    explanation: `A graph read from disk (e.g. written by 'ssl3d plan --json' and run later) does not
match the graph schema (core/graph-schema.ts), or breaks an invariant: duplicate node
ids, an input that is not an earlier node, a node wired to inputs of the wrong kind.
Recompile the experiment instead of editing the graph by hand.`,
  },
  {
    code: 'SSL099',
    title: 'internal compiler error',
    explanation: `The compiler failed unexpectedly on this input. This is a bug in ssl3d; please report
it with the file. Set SSL3D_DEBUG=1 for details.`,
  },
] as const satisfies readonly CodeInfo[];
