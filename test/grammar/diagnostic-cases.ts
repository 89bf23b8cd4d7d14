// One small source per syntax diagnostic code; each must produce (at least) that code.
// The golden test renders all diagnostics of each source and compares with
// test/grammar/golden/diagnostics/<CODE>.txt.
export const diagnosticCases: Array<{ code: string; source: string }> = [
  { code: 'SSL001', source: 'seed = 42\nexperiment demo {\n  seed = 42\n}\n' },
  { code: 'SSL002', source: 'dataset brats = brats {\n  root = "data/BraTS 2018\n  channels = 4\n}\n' },
  { code: 'SSL003', source: 'experiment demo {\n  seed = 1\n}\n/* old settings\ndataset ukb = phantom3d { size = 64x64x64 }\n' },
  { code: 'SSL004', source: 'pretext rot = rotation {\n  train { epochs = 10\n  batch = 4\n}\n' },
  { code: 'SSL005', source: 'evaluate protocol {\n  fractions = [10%, 25%, 50%\n}\n' },
  { code: 'SSL006', source: 'pretext rot = rotation {\n  train { lr = 1e, epochs = 10 }\n  margin = 2mm\n}\n' },
  { code: 'SSL007', source: 'dataset ukb = phantom3d {\n  size = 64x64x\n}\n' },
  { code: 'SSL008', source: 'pretext rot = rotation {\n  epochs 10\n}\n' },
  { code: 'SSL009', source: 'dataset ukb = phantom3d {\n  anatomy: brain\n}\n' },
  { code: 'SSL010', source: 'dataset ukb = phantom3d {\n  split { val = 10%,, test = 20% }\n}\n' },
  { code: 'SSL011', source: 'pretext rot = rotation {\n  train { epochs = , batch = 4 }\n}\n' },
  { code: 'SSL012', source: 'dataset brats = brats {\n  root = "C:\\data\\brats"\n}\n' },
  { code: 'SSL013', source: 'datset ukb = phantom3d {\n  size = 64x64x64\n}\n' },
  { code: 'SSL014', source: 'dataset = phantom3d {\n  size = 64x64x64\n}\n' },
  { code: 'SSL015', source: 'improt "shared/datasets.ssl"\nexperiment demo { seed = 1 }\n' },
  { code: 'SSL016', source: 'pretext rot = rotation {\n  optimizer = torch.adam { lr = 1e-3 }\n}\n' },
  { code: 'SSL017', source: 'dataset brats = brats {\n  regions { WT = [1 2 4] }\n}\n' },
  { code: 'SSL018', source: 'experiment demo { seed = 1 }\ndataset ukb = phantom3d' },
  { code: 'SSL019', source: 'dataset ukb = phantom3d {\n  anatomy = brain\n}\n}\n' },
];
