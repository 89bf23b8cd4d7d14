// Compiler diagnostics SSL020–SSL039: declarations, keys, values and units, names and imports,
// --set. Part of the catalogue of compiler codes gathered by ./compiler.ts.

import type { CodeInfo } from './info.js';

export const codes = [
  {
    code: 'SSL020',
    severity: 'error',
    title: 'unknown declaration kind',
    messages: {
      unknownDeclarationKind: "unknown declaration kind '{kind}'",
    },
    explanation: `A declaration starts with a word that is not a declaration kind. The kinds are
experiment, dataset, encoder, pretext, finetune, evaluate, sweep and report.

    pretrain rot = rotation { … }     // error: 'pretrain' is not a kind
    pretext rot = rotation { … }      // fix`,
  },
  {
    code: 'SSL021',
    severity: 'error',
    title: 'unknown or unexpected declaration type',
    messages: {
      takesNoType: "{kind} declarations take no type (found '= {type}')",
      unknownType: "unknown {kind} type '{type}'",
    },
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
    severity: 'error',
    title: 'missing declaration type',
    messages: {
      needsType: "{kind} '{name}' needs a type: {kind} {name} = TYPE { … }",
    },
    explanation: `datasets, encoders, pretext tasks and fine-tuning blocks need a type after '='.

    encoder tiny { preset = small }            // error
    encoder tiny = unet3d { preset = small }   // fix`,
  },
  {
    code: 'SSL023',
    severity: 'error',
    title: 'unknown key',
    messages: {
      unknownKey: "unknown key '{key}' in {where}",
    },
    explanation: `Every block has a fixed set of keys (see docs/language.md). A key the block does not
know is an error, never silently ignored: a misspelt key would otherwise run an
experiment with a default you did not intend. The hint suggests the closest known key.

    train { epoch = 10 }      // error: did you mean 'epochs'?
    train { epochs = 10 }     // fix`,
  },
  {
    code: 'SSL024',
    severity: 'error',
    title: 'missing required key',
    messages: {
      needsLabelValues: 'dataset {dataset} ({type}) needs its label values: add classes = [0, 1, 2] (or regions { … })',
      missingKey: "{where} is missing '{key}'",
    },
    explanation: `The block lacks a key it cannot do without, e.g. a pretext task without the data it
trains on, a brats dataset without its root folder, or a segmentation dataset whose label
values cannot be inferred.

    pretext rot = rotation { encoder = tiny }               // error: missing 'data'
    pretext rot = rotation { data = ukb, encoder = tiny }   // fix`,
  },
  {
    code: 'SSL025',
    severity: 'error',
    title: 'wrong kind of value',
    messages: {
      expects: '{label} expects {expected}; got {got}',
    },
    explanation: `The value has the wrong type for its key: a word where a number is needed, a number
where a quoted path is needed, a list where one value is needed, and so on. The message
says what the key expects, with an example.

    root = data/brats         // error: paths are quoted strings
    root = "data/brats"       // fix
    batch = two               // error: a batch size is a whole number`,
  },
  {
    code: 'SSL026',
    severity: 'error',
    title: 'wrong unit',
    messages: {
      expects: '{label} expects {expected}; got {got}',
      takesNoUnit: '{label} takes {expected}, not a quantity with a unit; got {got}',
    },
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
    severity: 'error',
    title: 'key set twice',
    messages: {
      lrTwice: 'the learning rate is set twice ({block}.lr and in the optimiser)',
      keyTwice: "'{key}' is set twice in this block",
    },
    explanation: `The same key appears twice in one block (or the learning rate is given both as
train.lr and inside the optimiser). Only 'table' and 'plot' may repeat in a report.

    train { epochs = 10, epochs = 20 }     // error: which one?`,
  },
  {
    code: 'SSL028',
    severity: 'error',
    title: 'empty or oversized range',
    messages: {
      emptyRange: 'the range {from}..{to} is empty or its step is not positive',
      tooManyValues: 'the range {from}..{to} has more than {max} values',
    },
    explanation: `A range a..b [step s] expands into a list; it must have at least one value (b ≥ a,
s > 0) and at most 10000.

    fractions = [10%..100% step 10%]      // 10 fractions
    repetitions = 3                        // (a range is not needed here)
    x = 5..1                               // error: empty`,
  },
  {
    code: 'SSL029',
    severity: 'error',
    title: 'value out of range',
    messages: {
      expects: '{label} expects {expected}; got {got}',
    },
    explanation: `The number is of the right kind but outside what the key allows (e.g. a dropout rate
of 1.5, a batch of 0, a fraction above 100%, a list that is too short or too long).

    dropout = 1.5             // error: a rate in [0, 1)
    fractions = [150%]        // error: at most 100%`,
  },
  {
    code: 'SSL030',
    severity: 'error',
    title: 'unknown keyword value',
    messages: {
      expects: '{label} expects {expected}; got {got}',
    },
    explanation: `The key accepts one of a fixed set of words and got another. The hint suggests the
closest one.

    normalize = min-max       // error: did you mean 'minmax'?
    backend = gpu             // error: auto, native, cpu or tensorflow`,
  },
  {
    code: 'SSL031',
    severity: 'error',
    title: 'duplicate name',
    messages: {
      alreadyDeclared: "'{name}' is already declared (as {kind} on line {line})",
      aliasUsed: "the import alias '{alias}' is already used in this file",
      importClash: "'{name}' from {file} clashes with '{name}' declared in {where}",
    },
    explanation: `Two declarations share a name. Names form one namespace across kinds (a dataset and
a report cannot both be called 'pancreas'), and names imported without an alias join it.

    import "shared/brain.ssl"           // declares brats2018
    dataset brats2018 = brats { … }     // error: clashes with the import
    import "shared/brain.ssl" as brain  // fix: then refer to brain.brats2018`,
  },
  {
    code: 'SSL032',
    severity: 'error',
    title: 'undefined name',
    messages: {
      notAlias: "'{alias}' is not an import alias in this file",
      notInImport: "{file} declares no {kinds} named '{rest}'",
      notDeclared: "no {kinds} named '{name}' is declared or imported",
    },
    explanation: `A reference names no declaration in this file or its imports. Imports are not
transitive: a file sees only what it declares and imports itself. Aliased imports are
referenced as ALIAS.NAME.

    pretext rot = rotation { data = ubk, … }   // error: did you mean 'ukb'?`,
  },
  {
    code: 'SSL033',
    severity: 'error',
    title: 'reference to the wrong kind',
    messages: {
      wrongKind: "'{name}' is {actual}, but {wanted} is needed here",
    },
    explanation: `The name exists but is of another kind than the key needs.

    sweep s { finetune = protocol, … }   // error: 'protocol' is an evaluate block`,
  },
  {
    code: 'SSL034',
    severity: 'error',
    title: 'file cannot be read',
    messages: {
      cannotReadImport: "cannot read the imported file '{path}' (looked for {target})",
      isFolder: '{file} is a folder, not an .ssl file',
      cannotRead: 'cannot read {file}',
    },
    explanation: `An imported file (relative to the importing file's folder) or the experiment file
itself does not exist or cannot be read.

    import "shared/datasets"         // error: the .ssl extension is part of the name
    import "shared/datasets.ssl"     // fix`,
  },
  {
    code: 'SSL035',
    severity: 'error',
    title: 'import cycle',
    messages: {
      importCycle: 'import cycle: {cycle}',
    },
    explanation: `Files import each other in a loop; the message shows the cycle. Move the shared
declarations into a third file that imports neither.

    a.ssl: import "b.ssl"
    b.ssl: import "a.ssl"            // error: a.ssl → b.ssl → a.ssl`,
  },
  {
    code: 'SSL036',
    severity: 'error',
    title: 'no experiment, or more than one',
    messages: {
      noExperiment: '{file} declares no experiment',
      twoExperiments: "only one experiment per file (the first is '{first}' on line {line})",
    },
    explanation: `The file given to check/plan/run must declare exactly one experiment (its seed and
backend). Imported files may hold datasets, encoders and tasks; their experiment blocks
are ignored.

    experiment demo { seed = 42, backend = auto }`,
  },
  {
    code: 'SSL038',
    severity: 'error',
    title: 'report without a sweep',
    messages: {
      sweepFromImport: 'report {report} names sweep {sweep} from another file; sweeps run only from the experiment file',
      noSweep: 'report {report} has no sweep to report on',
      whichSweep: 'report {report} must say which sweep it reports (there are {count})',
    },
    explanation: `A report summarises one sweep. With several sweeps it must name one; with none there
is nothing to report.

    report paper { sweep = table1, table regions { rows = method } }`,
  },
  {
    code: 'SSL039',
    severity: 'error',
    title: 'bad --set override',
    messages: {
      notAssignment: "--set needs PATH=VALUE, e.g. rot3d.train.epochs=2; got '{raw}'",
      badPath: "'{pathText}' is not a path like NAME.key or kind.NAME.key",
      noDeclaration: "--set: no declaration named '{name}' in {file}",
      noKey: '--set: say which key of {kind} {name} to set, e.g. {name}.KEY=VALUE',
      notBlock: "--set: '{path}' is not a block in {kind} {name}",
      setTwice: "--set: {name}.{path} would replace what --set[{first}] set{earlier}",
    },
    explanation: `--set takes PATH=VALUE. PATH names a declaration and a key inside it: NAME.key.key,
optionally prefixed by the kind (pretext.rot3d.train.epochs), or experiment.key for the
experiment. The value is written as in a file and checked like one. Each key is set at most
once: a second --set of the same key (or of a block holding an earlier --set's key) is an error,
not a silent replacement; a --set inside a block another --set wrote is fine.

    ssl3d check x.ssl --set rot3d.train.epochs=2
    ssl3d check x.ssl --set experiment.backend=cpu
    ssl3d check x.ssl --set protocol.fractions=[10%,100%]`,
  },
] as const satisfies readonly CodeInfo[];
