// Pretext task `cpc`: contrastive predictive coding over a grid of (overlapping) patches.
import type { CpcParams } from '../../core/graph.js';
import { cpcEncoderPatch, cpcLayout, cpcRows, cpcSpan, cpcStep, type CpcParamsIn } from '../../core/tasks/cpc.js';
import { frac, num, percentLabel, word } from '../json.js';
import { fraction, int, oneOfWords, qty } from '../schemas/common.js';
import { grid } from './common.js';
import type { PretextTaskDef } from './types.js';
import { msg } from '../../core/codes/index.js';

export const cpc: PretextTaskDef<CpcParams> = {
  name: 'cpc',
  title: 'CPC',
  fields: {
    grid,
    patch: qty('voxels', { integer: true, min: 1, example: '32 voxels' }),
    overlap: fraction({ allowZero: true, example: '50% or 0' }),
    'code-size': int(1, 100000, 'the code size, e.g. 1024'),
    'context-size': int(1, 100000, 'the GRU context size, e.g. 256'),
    'predict-terms': int(1, 16, 'rows predicted below the context, e.g. 2'),
    negatives: int(1, 4096, 'negatives per positive, ≥ 1'),
    'negatives-from': oneOfWords(['same-volume', 'other-volumes']),
  },
  wholeInput: false,
  check({ json: j, dim, authors, side, needs, encoderName, error, checkPatch }) {
    const vx = dim === 2 ? 'pixel' : 'voxel';
    const unit = dim === 2 ? 'px' : 'voxels';
    const grid = num(j.grid) ?? (dim === 3 ? 4 : 5);
    // the paper crops overlapping patches in 3D too; the authors' code does not (cpcGeometry)
    const overlap = frac(j.overlap) ?? 0.5;
    const at = j.patch !== undefined ? '/patch' : j.grid !== undefined ? '/grid' : '/data';
    if (grid < 3) error(msg('SSL057', 'gridTooSmall', { grid }), '/grid');
    // as core/tasks/cpc.ts lays it out (for the runtime too): patches `step = round(patch·(1 − overlap))` apart
    const fit = Math.floor(side / (1 + (grid - 1) * (1 - overlap)));
    const patch = num(j.patch) ?? Math.max(needs.divisor, Math.floor(fit / needs.divisor) * needs.divisor);
    const predictTerms = num(j['predict-terms']) ?? 2;
    const spans = (g: number, p: number): number => cpcSpan(g, p, cpcStep(p, overlap));
    const covered = spans(grid, patch);
    // The largest patch that passes every check below (fits, a multiple of the encoder's
    // divisor, at least its minimum), for this grid or else the largest smaller grid that
    // still leaves room for the predicted rows: a hint must never suggest a failing value.
    const bestPatch = (g: number): number | null => {
      for (let p = Math.floor(side / needs.divisor) * needs.divisor; p >= Math.max(needs.min, needs.divisor); p -= needs.divisor) if (spans(g, p) <= side) return p;
      return null;
    };
    const fixHint = (): string => {
      const p = bestPatch(grid);
      if (p !== null) return `use patch = ${p} ${unit}`;
      for (let g = grid - 1; g >= Math.max(3, predictTerms + 2); g--) {
        const q = bestPatch(g);
        if (q !== null) return `use grid = ${g}, patch = ${q} ${unit}`;
      }
      return `the input (${side} ${vx}s per side) is too small for a CPC grid with encoder ${encoderName}: resize the data or use fewer encoder levels`;
    };
    if (covered > side) error(msg('SSL041', 'cpcGridTooLarge', { grid, patch, vx, overlap: percentLabel(overlap), covered, side }), at, fixHint());
    else if (patch % needs.divisor !== 0) error(msg('SSL053', 'cpcPatchDivisor', { patch, vx, divisor: needs.divisor, encoder: encoderName }), at, fixHint());
    else checkPatch(patch, 'the CPC patch', at);
    if (predictTerms > grid - 2)
      error(msg('SSL057', 'tooManyTerms', { predictTerms, grid, max: Math.max(0, grid - 2) }), j['predict-terms'] !== undefined ? '/predict-terms' : '/grid', 'use a larger grid or fewer predict-terms');
    const negativesFrom = (word(j['negatives-from']) ?? 'same-volume') as 'same-volume' | 'other-volumes';
    const cells = grid ** dim;
    if (!authors && negativesFrom === 'same-volume' && (num(j.negatives) ?? 8) > cells - 1)
      error(msg('SSL057', 'tooManyNegatives', { negatives: num(j.negatives) ?? 8, grid, available: cells - 1 }), j.negatives !== undefined ? '/negatives' : '/grid', `use negatives = ${cells - 1} or fewer, or negatives-from = other-volumes`);
    return {
      task: 'cpc',
      grid,
      patch,
      overlap,
      codeSize: num(j['code-size']) ?? 1024,
      contextSize: num(j['context-size']) ?? 256,
      predictTerms,
      negatives: num(j.negatives) ?? (authors ? 1 : 8),
      // the paper: negatives "from other locations in the input image"
      negativesFrom,
    };
  },
  encoderInput(params, authors, spatial, div) {
    // the runtime's layout (core/tasks/cpc.ts; the authors' code fixes its own grid), then the
    // patch is rounded down to the encoder's divisor
    const d = spatial.length;
    const l = cpcLayout(d, Math.min(...spatial), layoutParams(params), authors ? 'authors-code' : 'paper');
    return { patch: spatial.map(() => Math.max(1, cpcEncoderPatch(l.patch, div))), runs: l.grid ** d };
  },
  heads(params, h, { features, hidden, d, authors }) {
    // per patch: features → hidden (ReLU) → code; a GRU over the context; one linear predictor per term
    const { grid, terms } = cpcRows(d, layoutParams(params), authors ? 'authors-code' : 'paper');
    h.runs(grid ** d, (p) => {
      p.dense(features, hidden);
      p.dense(hidden, params.codeSize);
    });
    const u = params.contextSize;
    // tfjs-layers GRU: kernel [in, 3u], recurrent kernel [u, 3u], one bias [3u]
    h.add(3 * u * (params.codeSize + u) + 3 * u, 2 * 3 * u * (params.codeSize + u) * grid ** (d - 1));
    for (let k = 0; k < terms; k++) h.dense(u, params.codeSize);
  },
};

function layoutParams(p: CpcParams): CpcParamsIn {
  return { grid: p.grid, patch: p.patch, overlap: p.overlap, terms: p.predictTerms };
}
