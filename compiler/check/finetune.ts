// finetune NAME = segmentation | classification { data, encoder?, arms, warmup, … }.
import type { Arm, Dim, FinetuneSpec, TrainSpec } from '../../core/graph.js';
import { PAPER } from '../defaults.js';
import { arr, num, word } from '../json.js';
import { keySpan, valueSpan, type CheckContext } from './context.js';
import type { Block, CheckedEncoder, CheckedFinetune, Target } from './types.js';
import { msg } from '../../core/codes/index.js';

export function checkFinetune(ctx: CheckContext, c: Block): CheckedFinetune | null {
  const before = ctx.errorCount;
  const j = c.json;
  const target = c.decl.type as Target;
  const dc = ctx.ref(c, '/data', ['dataset']);
  const data = dc ? ctx.dataset(dc) : null;
  let encoder: CheckedEncoder | null = null;
  if (j.encoder !== undefined) {
    const ec = ctx.ref(c, '/encoder', ['encoder']);
    encoder = ec ? ctx.encoder(ec) : null;
    if (!encoder) return null;
  }
  if (!dc || !data) return null;
  const want = target === 'segmentation' ? 'segmentation' : 'classification';
  if (data.spec.labels.kind !== want) {
    ctx.error(
      msg('SSL054', 'wrongLabels', { target, needs: want === 'segmentation' ? 'segmentation masks' : 'a class per case', dataset: dc.decl.name, has: data.spec.labels.kind === 'none' ? 'no labels' : data.spec.labels.kind + ' labels' }),
      valueSpan(c, '/data'),
    );
    return null;
  }
  if (!data.shape) {
    ctx.error(msg('SSL040', 'unknownInputSize', { dataset: dc.decl.name }), dc.decl.nameSpan, `add preprocess { resize = ${data.spec.dim === 3 ? '128x128x128' : '224x224'} }`);
    return null;
  }
  const arms = (arr(j.arms)?.map((x) => word(x) as Arm) ?? ['scratch', 'finetune']) as Arm[];
  ctx.noDuplicates(c, '/arms', arms);
  const seg = target === 'segmentation';
  const warmup = num(j.warmup) ?? (seg ? PAPER.warmup.seg : PAPER.warmup.cls);
  const classes = data.spec.labels.kind === 'segmentation' ? data.spec.labels.classes : data.spec.labels.kind === 'classification' ? range(data.spec.labels.classes) : [];
  const cw = arr(j['class-weights'])?.map((x) => num(x) ?? 1) ?? null;
  if (cw && cw.length !== classes.length)
    ctx.error(msg('SSL055', 'classWeights', { count: cw.length, classCount: classes.length, classes: classes.join(', ') }), valueSpan(c, '/class-weights'));
  // all zero: every pixel's weight is 0 and the weighted mean 0/0 — NaN at step 1 (s7 attack)
  if (cw && cw.length > 0 && cw.every((w) => w === 0)) ctx.error(msg('SSL077', 'zeroWeights'), valueSpan(c, '/class-weights'), 'give at least one class a weight > 0');
  const epochsFor = (dim: Dim): number => (seg ? 100 : dim === 2 ? 20 : 50);
  const trainFor = (dim: Dim): TrainSpec =>
    ctx.train(c, '/train', {
      epochs: epochsFor(dim),
      batch: dim === 3 ? 2 : 32,
      lr: seg ? (dim === 3 ? PAPER.lr.seg3d : PAPER.lr.seg2d) : dim === 2 ? PAPER.lr.cls2d : PAPER.lr.cls3d,
    });
  const train3 = trainFor(data.spec.dim);
  if (!arms.includes('finetune') && j.warmup !== undefined && warmup > 0)
    ctx.warning(msg('SSL069', 'warmupUnused', { arms: arms.join(', ') }), valueSpan(c, '/warmup'), 'add finetune to arms, or remove warmup');
  if (arms.includes('finetune') && warmup >= train3.epochs) {
    ctx.error(
      msg('SSL044', 'warmupTooLong', { warmup, epochs: train3.epochs }),
      j.warmup !== undefined ? valueSpan(c, '/warmup') : keySpan(c, '/train/epochs'),
      j.warmup === undefined ? `the default warm-up for ${target} is ${warmup} epochs; set warmup = N epochs` : undefined,
    );
  }
  if (ctx.errorCount > before) return null;
  const cache = new Map<Dim, TrainSpec>();
  return {
    block: c,
    data,
    target,
    arms,
    warmup,
    atUnfreeze: (word(j['at-unfreeze']) ?? 'fresh') as 'fresh' | 'keep',
    adapter: (word(j.adapter) ?? 'none') as FinetuneSpec['adapter'],
    loss: ((): FinetuneSpec['loss'] => {
      const l = word(j.loss) ?? (seg ? 'dice' : 'ce');
      return l === 'dice-ce' ? 'dice+ce' : (l as 'dice' | 'ce');
    })(),
    classWeights: cw,
    classes,
    slices: ctx.slices(c, '/slices'),
    encoder,
    train: (dim) => {
      let t = cache.get(dim);
      if (!t) cache.set(dim, (t = trainFor(dim)));
      return t;
    },
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
