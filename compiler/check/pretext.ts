// pretext NAME = TASK { data, encoder, … }: what every pretext block shares (references,
// dimension, slicing, variant, input size, training); the task's own fields are checked by its
// registry entry (compiler/tasks/<task>.ts).
import { encoderNeeds } from '../../core/geometry.js';
import type { PretextSpec, TaskParams } from '../../core/graph.js';
import { PAPER } from '../defaults.js';
import { num, str, word } from '../json.js';
import { pretextTask } from '../tasks/index.js';
import { keySpan, valueSpan, type CheckContext } from './context.js';
import type { Block, CheckedPretext, Slices } from './types.js';
import { msg } from '../../core/codes/index.js';

export function checkPretext(ctx: CheckContext, c: Block): CheckedPretext | null {
  const before = ctx.errorCount;
  const j = c.json;
  const task = c.decl.type as PretextSpec['task'];
  const def = pretextTask(task);
  const dc = ctx.ref(c, '/data', ['dataset']);
  const ec = ctx.ref(c, '/encoder', ['encoder']);
  const data = dc ? ctx.dataset(dc) : null;
  const enc = ec ? ctx.encoder(ec) : null;
  if (!dc || !ec || !data || !enc) return null;
  const dim = enc.dim;
  const declaredDim = num(j.dim);
  if (declaredDim !== undefined && declaredDim !== dim) {
    ctx.error(msg('SSL051', 'dimMismatch', { declaredDim, encoder: ec.decl.name, kind: enc.spec.kind, dim }), valueSpan(c, '/dim'), `use a ${declaredDim === 3 ? 'unet3d' : 'unet2d or densenet2d'} encoder, or drop dim`);
    return null;
  }
  if (dim === 3 && data.spec.dim === 2) {
    ctx.error(msg('SSL051', 'needsVolumes', { task, dataset: dc.decl.name }), valueSpan(c, '/data'), 'use a unet2d or densenet2d encoder for a 2D task');
    return null;
  }
  let slices: Slices | null = null;
  if (dim === 2 && data.spec.dim === 3) {
    slices = ctx.slices(c, '/slices');
    if (!slices) {
      ctx.error(msg('SSL047', 'taskNeedsSlices', { task, name: c.decl.name, dataset: dc.decl.name }), c.decl.nameSpan, 'add slices { axis = axial, per-volume = 16 }');
      return null;
    }
  } else if (j.slices !== undefined) {
    ctx.error(msg('SSL068', 'slicesNotNeeded', { name: c.decl.name, dim, dataDim: data.spec.dim }), keySpan(c, '/slices'), 'remove the slices block');
  }
  const variant = (word(j.variant) ?? 'paper') as PretextSpec['variant'];
  if (variant === 'authors-code-bug' && !def?.authorsCodeBug) {
    ctx.error(msg('SSL056', 'bugVariant', { name: c.decl.name, task }), valueSpan(c, '/variant'), 'use paper or authors-code');
  }
  if (!data.shape) {
    ctx.error(
      msg('SSL040', 'unknownInputSize', { dataset: dc.decl.name }),
      dc.decl.nameSpan,
      `add preprocess { resize = ${data.spec.dim === 3 ? '128x128x128' : '224x224'} } to dataset ${dc.decl.name}`,
    );
    return null;
  }
  const axis = slices?.axis;
  const spatial = axis !== undefined ? data.shape.filter((_, i) => i !== axis) : data.shape.slice();
  const side = Math.min(...spatial);
  const needs = encoderNeeds(enc.spec);
  const authors = variant !== 'paper';
  if (!def) return null;
  // 2D tasks measure patches in pixels (#16.11)
  const vx = dim === 2 ? 'pixel' : 'voxel';
  const checkPatch = (patch: number, what: string, pointer: string): void => {
    if (patch < needs.min)
      ctx.error(
        msg('SSL053', 'patchTooSmall', { what, patch, vx, encoder: ec.decl.name, min: needs.min, halvings: Math.log2(needs.min), plural: needs.min === 2 ? '' : 's' }),
        valueSpan(c, pointer),
        'use a smaller grid or jitter, a larger resize, or fewer encoder levels',
      );
  };
  const params: TaskParams = def.check({
    json: j,
    dim,
    authors,
    side,
    needs,
    encoderName: ec.decl.name,
    error: (m, pointer, hint) => ctx.error(m, valueSpan(c, pointer), hint),
    checkPatch,
  });
  if (typeof def.wholeInput === 'function' ? def.wholeInput(params) : def.wholeInput) ctx.wholeInput(c, '/data', spatial, enc, ec.decl.name);
  const train = ctx.train(c, '/train', { epochs: 100, batch: dim === 3 ? 4 : 32, lr: dim === 3 ? PAPER.lr.ssl3d : PAPER.lr.ssl2d });
  const spec: PretextSpec = {
    name: c.sym.qualified,
    task,
    dim,
    variant,
    params,
    headHidden: num(j['head-hidden']) ?? 1024,
    slices,
    train,
  };
  if (ctx.errorCount > before) return null;
  // a variant is part of the default label, so paper and authors'-code runs of one task can
  // share a sweep without a hand-written label: 3D-Jigsaw, 3D-Jigsaw (authors-code)
  const method = str(j.label) ?? `${dim}D-${def.title}${variant !== 'paper' ? ` (${variant})` : ''}`;
  return { block: c, spec, data, encoder: enc, inputShape: [...spatial, data.spec.channels], method };
}
