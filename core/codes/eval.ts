// Error codes SSL160–179: fine-tuning, evaluation and reports.

import type { CodeInfo } from './info.js';

export const codes = [
  {
    code: 'SSL160',
    severity: 'error',
    title: 'fine-tune node has no usable downstream dataset',
    messages: {
      wrongSize: "case {id} has {got} but the model expects [{want}]; resize the data in the dataset's preprocessing",
      noDataset: '{id}: no dataset among the inputs ({inputs})',
      noReferenceMask: '{id}: test case {case} has no reference mask',
      noReferenceGrade: '{id}: test case {case} has no grade',
      noDownstreamDataset: '{id}: no downstream dataset among the inputs ({inputs})',
      noMask: '{id}: case {case} has no segmentation mask',
      noGrade: '{id}: case {case} has no grade',
      classWeights: 'classWeights has {count} entries but there are {classes} classes',
    },
    explanation:
      'A fine-tune or evaluate node needs a labelled downstream dataset as its first input, with segmentation masks (segmentation target) or grades (classification target) on every case it uses.\nFix: check that the downstream dataset declares `labels` and that every case has a mask/grade (`ssl3d check --data FILE`).',
  },
  {
    code: 'SSL161',
    severity: 'error',
    alsoSeverity: 'warning',
    title: 'empty label-fraction subset or split',
    messages: {
      noFold: 'repetition {repetition} has no fold to test on: the protocol has {count} folds (SSL080)',
      emptyTest: '{id}: the test {fold} of {name} is empty',
      emptyTraining: '{id}: the training split of {name} is empty',
      noValidation: '{dataset} has no validation cases: no convergence curve for {node}',
      keepBestNoValidation: '{node}: keep = best chooses the epoch by its validation score, but {what} has no validation cases; the last epoch\'s weights are kept',
    },
    explanation:
      'The training split of the downstream dataset is empty, or the validation/test split the protocol needs has no cases. A label fraction always selects at least one training case, but a split cannot be made from nothing.\nFix: use more cases or change `split { val, test }` so every split keeps at least one case.',
  },
  {
    code: 'SSL162',
    severity: 'error',
    title: 'pretrained encoder artifact is missing or unreadable',
    messages: {
      noPretrainInput: '{id}: the {arm} arm needs a pretrained encoder, but no pretrain node is among the inputs',
      cannotLoad: '{id}: cannot load the pretrained encoder of {node}: {reason|all}',
    },
    explanation:
      "A `frozen`/`finetune` arm loads the encoder weights its pretrain input wrote (`encoder.*` in that node's folder). They were not found, or did not match the encoder the fine-tune node declares.\nFix: rerun the pretrain node (`ssl3d run` rebuilds missing cache entries); make sure the pretext and downstream encoders are declared the same way.",
  },
  {
    code: 'SSL163',
    severity: 'warning',
    title: 'first convolution not transferred (channels differ, adapter `none`)',
    messages: {
      notTransferred: '{name}: {reason}',
    },
    explanation:
      'A warning: the pretrained encoder saw C channels but the downstream data has C′ ≠ C, and the fine-tuning declares `adapter none`, so the first convolution keeps its random initialisation (what the authors\' code silently did) while every other encoder weight is transferred.\nFix: choose `adapter duplicate` (repeat the first-layer kernels, scaled by C/C′), `average` or `zero`, or select channels in the downstream preprocessing.',
  },
  {
    code: 'SSL164',
    severity: 'error',
    title: 'label value outside the declared classes',
    messages: {
      testGrade: '{id}: test case {case} has grade {grade}, not one of [{classes}]',
      trainGrade: '{id}: case {case} has grade {grade}, not one of [{classes}]',
      labelValue: 'case {caseId}: label value {value} is not one of the declared classes [{classes}]',
    },
    explanation:
      'A segmentation mask contains a label value that is not in the fine-tuning `classes` (e.g. BraTS label 3 with classes [0,1,2,4]), or a grade is outside 0..classes−1.\nFix: declare every label value present, or remap labels in preprocessing.',
  },
  {
    code: 'SSL165',
    severity: 'error',
    title: 'unknown metric region',
    messages: {
      unknownRegion: '{id}: {reason}',
    },
    explanation:
      "A metric names a region that is neither a named region of the dataset (`regions { ET = [4] }`) nor a class value.\nFix: declare the region in the dataset or use a class value, e.g. `dice(2)`.",
  },
  {
    code: 'SSL166',
    severity: 'error',
    title: 'fine-tuned model artifact is missing or unreadable',
    messages: {
      unreadableDescription: 'cannot read the fine-tuned model description: {reason}',
      notDescription: '{file} is not an ssl3d model description',
      cannotLoadWeights: 'cannot load the fine-tuned weights: {reason|all}',
      noModelInput: '{id}: no fine-tuned model among the inputs ({inputs})',
    },
    explanation:
      "The evaluate node rebuilds the model from its fine-tune input's `model-spec.json` and `model.*` weights; they were missing or inconsistent.\nFix: rerun the fine-tune node (delete its cache entry, then `ssl3d run`).",
  },
  {
    code: 'SSL167',
    severity: 'error',
    title: 'warm-up is not shorter than the fine-tuning',
    messages: {
      warmupTooLong: '{id}: warm-up ({warmup} epochs) must be shorter than the fine-tuning ({epochs} epochs)',
    },
    explanation:
      'The `finetune` arm freezes the encoder for `warmup` epochs and then trains it; `warmup` must be smaller than `epochs`, otherwise the encoder is never trained (that is the `frozen` arm).\nFix: lower `warmup` or raise `epochs`.',
  },
  {
    code: 'SSL170',
    severity: 'error',
    title: 'no finished run to report',
    messages: {
      noRunRecord: 'no run record at {path}',
      recordWithoutExperiment: 'ssl3d report reads the experiment file, not a run record: {record} is run {id}, and its experiment file {file} is not beside the cache; give it as FILE with --run {id} --cache {cache}',
      noRunOfExperiment: "no run of experiment '{experiment}' in {folder} (it holds runs of {others}); run it first (ssl3d run FILE), or name one with --run ID",
      noRun: 'no run found in {folder}; run the experiment first (ssl3d run FILE) — reports never retrain',
      notFinished: "no finished run: the newest run {newestId} is '{status}'. Let it finish (ssl3d run resumes it) or report what it has with --run {newestId}",
    },
    explanation:
      '`ssl3d report` reads `<cache>/runs/<id>/record.json`. No run record exists for this experiment (or none finished with status ok), so there is nothing to report. Reports never retrain.\nFix: run the experiment first (`ssl3d run FILE`), pass `--run ID` for a specific (even partial) run, or `--cache DIR` if the cache lives elsewhere.',
  },
  {
    code: 'SSL171',
    severity: 'error',
    title: 'run record is malformed',
    messages: {
      notJson: 'run record is not valid JSON: {reason}',
      malformed: 'run record is malformed: it lacks the graph or the artifacts section',
      invalid: 'run record is malformed: {problem}',
      badArtifact: '{what} is malformed ({problem}); rerun the experiment to rebuild it',
      cannotRead: 'cannot read {what}: {reason}',
      sameCell: '{other} and {node} are the same method, arm, fraction and repetition (from different sweeps); a report shows one sweep and never pools them',
    },
    explanation:
      'The run record (`record.json`) could not be parsed or lacks the graph/artifacts sections a report needs. It may have been written by an interrupted process or a different ssl3d version.\nFix: rerun the experiment (finished nodes come from the cache, so this is quick).',
  },
  {
    code: 'SSL172',
    severity: 'error',
    title: 'report has no results',
    messages: {
      noResults: "run {id} holds no evaluation results yet (status '{status}')",
    },
    explanation:
      'The run record holds no evaluate-node metrics yet (e.g. the run stopped before any evaluation finished), so the tables and data-efficiency figures would be empty.\nFix: let the run finish (`ssl3d run FILE` resumes) or check the run status with `ssl3d report FILE --run ID`.',
  },
  {
    code: 'SSL173',
    severity: 'warning',
    title: 'unknown reference table',
    messages: {
      unknownReference: "unknown reference table '{table}' (available: {known})",
    },
    explanation:
      "A table asks for `reference <name>` but no published table of that name ships with ssl3d (available: taleb2020-table1).\nFix: correct the name or drop the reference.",
  },
  {
    code: 'SSL174',
    severity: 'warning',
    title: 'figure rendering failed',
    messages: {
      notRendered: "figure '{name}' could not be rendered: {reason}",
    },
    explanation:
      'vega-lite/vega could not render a figure to SVG, or resvg could not convert it to PNG. Tables are still written.\nFix: report the message; as a workaround request only the `svg` format or only tables.',
  },
  {
    code: 'SSL175',
    severity: 'error',
    title: 'report folder not writable',
    messages: {
      cannotWrite: 'cannot write the report to {folder}: {where} {why}',
    },
    explanation:
      "The report's folder (`--out DIR`, or `reports/<run id>` beside the experiment file) cannot be created or written: a part of the path is a file, a folder without write permission, or a place such as /proc that accepts no files, or the disk filled up while the files were written (the half-written file is removed). It is checked before anything is computed, by creating the missing folders one level at a time and writing a probe file.\nFix: pass a writable folder with `--out`.",
  },
] as const satisfies readonly CodeInfo[];
