// Small in-memory programs for compiler tests: a clean base experiment whose sections can be
// replaced one at a time, and a compile helper that reads imports from a map.
import { compileSource, type CompileOptions, type CompileResult } from '../../compiler/index.js';
import { renderDiagnostics } from '../../grammar/index.js';

export const BASE = {
  experiment: 'experiment t { seed = 1 }',
  corpus: 'dataset corpus = phantom3d { cases = 20, channels = 1, size = 32x32x32, labelled = false }',
  labelled: 'dataset lab = phantom3d { cases = 20, channels = 1, size = 32x32x32 }',
  encoder: 'encoder tiny = unet3d { preset = small }',
  pretext: 'pretext rot = rotation { data = corpus, encoder = tiny, train { epochs = 2 } }',
  finetune: 'finetune seg = segmentation { data = lab, warmup = 1 epochs, train { epochs = 3 } }',
  evaluate: 'evaluate ev { fractions = [50%, 100%] }',
  sweep: 'sweep s { methods = [rot, scratch], finetune = seg, evaluate = ev }',
  report: 'report r { table t { rows = method } }',
  extra: '',
};

export type Sections = Partial<Record<keyof typeof BASE, string>>;

export function program(over: Sections = {}): string {
  return (Object.keys(BASE) as Array<keyof typeof BASE>).map((k) => over[k] ?? BASE[k]).filter((x) => x !== '').join('\n') + '\n';
}

export function compileText(text: string, files: Record<string, string> = {}, opts: CompileOptions = {}, file = 'exp/main.ssl'): CompileResult {
  return compileSource(text, file, {
    readFile: (p) => {
      const t = files[p];
      if (t === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return t;
    },
    ...opts,
  });
}

export function rendered(r: CompileResult): string {
  return renderDiagnostics(r.diagnostics, (f) => r.sources[f] ?? null, { color: false });
}
