// sweep NAME { methods, finetune, evaluate, arms?, fractions?, repetitions? }: resolves the
// methods and checks each against the fine-tuning (encoder, dimension, slicing, input size,
// channel adapter), so the lowering only has to multiply plans × arms × fractions × repetitions.
import type { Span } from '../../grammar/ast.js';
import { channelMapping } from '../../core/channels.js';
import { splitCounts, trainCases } from '../../core/geometry.js';
import type { Arm } from '../../core/graph.js';
import { canonicalJson } from '../../core/hash.js';
import { arr, frac, num, percentLabel, word } from '../json.js';
import { valueSpan, type CheckContext } from './context.js';
import { checkFolds } from './evaluate.js';
import type { Block, CheckedEncoder, CheckedFinetune, CheckedPretext, CheckedSweep, Slices, SweepMethod, SweepPlan } from './types.js';
import { msg } from '../../core/codes/index.js';

export function checkSweep(ctx: CheckContext, sc: Block): CheckedSweep | null {
  const before = ctx.errorCount;
  const j = sc.json;
  const fc = ctx.ref(sc, '/finetune', ['finetune']);
  const ec = ctx.ref(sc, '/evaluate', ['evaluate']);
  const ft = fc ? ctx.finetune(fc) : null;
  // when the sweep cannot be checked further, its methods are still resolved, so that every
  // undefined name of the sweep is reported at once
  const resolveMethods = (): null => {
    (arr(j.methods) ?? []).forEach((m, i) => {
      if (word(m) !== 'scratch') ctx.ref(sc, `/methods/${i}`, ['pretext']);
    });
    return null;
  };
  if (!ft || !ec) {
    // the fine-tuning did not check: still check the evaluation (and, through sweepContext,
    // the reports on this sweep) against what its data declares, so their problems show now
    const dc = fc && ec ? ctx.ref(fc, '/data', ['dataset']) : null;
    const evBefore0 = ctx.errorCount;
    const data = dc ? ctx.dataset(dc) : null;
    if (fc && ec && data && (fc.decl.type === 'segmentation' || fc.decl.type === 'classification')) {
      const evp = ctx.evaluation(ec, fc.decl.type, data.spec.regions, true);
      const fr = j.fractions !== undefined ? arr(j.fractions)?.map((x) => frac(x)!) : evp?.fractions;
      if (evp && fr) ctx.sweepContext.set(sc.decl, { evalSpec: evp.spec, fractions: fr, target: fc.decl.type, regions: Object.keys(data.spec.regions), partial: ctx.errorCount > evBefore0 });
    }
    return resolveMethods();
  }
  const evBefore = ctx.errorCount;
  const ev = ctx.evaluation(ec, ft.target, ft.data.spec.regions, true);
  if (!ev || ctx.errorCount > evBefore) {
    const fr = j.fractions !== undefined ? arr(j.fractions)?.map((x) => frac(x)!) : ev?.fractions;
    if (ev && fr) ctx.sweepContext.set(sc.decl, { evalSpec: ev.spec, fractions: fr, target: ft.target, regions: Object.keys(ft.data.spec.regions), partial: ctx.errorCount > evBefore });
    return resolveMethods();
  }
  const arms = (arr(j.arms)?.map((x) => word(x) as Arm) ?? ft.arms) as Arm[];
  if (j.arms !== undefined) ctx.noDuplicates(sc, '/arms', arms);
  const fractions = j.fractions !== undefined ? arr(j.fractions)!.map((x) => frac(x)!) : ev.fractions;
  if (j.fractions !== undefined) ctx.noDuplicates(sc, '/fractions', fractions);
  const repetitions = num(j.repetitions) ?? ev.repetitions;
  if (j.repetitions !== undefined && ev.spec.folds) checkFolds(ctx, sc, ev.spec.folds.count, repetitions, '/repetitions');
  const ds = ft.data.spec;
  ctx.sweepContext.set(sc.decl, { evalSpec: ev.spec, fractions, target: ft.target, regions: Object.keys(ds.regions) });
  const fracAt = (i: number): Span => (j.fractions !== undefined ? valueSpan(sc, `/fractions/${i}`) : arr(ec.json.fractions) ? valueSpan(ec, `/fractions/${i}`) : ec.decl.nameSpan);

  // every fraction must give at least one training case
  const nt = trainCases(ds);
  if (nt !== null) {
    fractions.forEach((f, i) => {
      const k = Math.floor(f * nt + 1e-9);
      if (k < 1)
        ctx.error(
          msg('SSL045', 'noTrainingCase', { fraction: percentLabel(f), cases: nt, dataset: ft.data.block.decl.name, product: Number((f * nt).toFixed(2)) }),
          fracAt(i),
          `the smallest usable fraction is ${percentLabel(Math.ceil((1 / nt) * 1000) / 1000)}`,
        );
    });
  }
  // without folds every evaluation tests on the dataset's test split: an empty one would fail
  // each evaluate node at run time (SSL161), after all the training
  if (!ev.spec.folds) {
    const n = ds.knownCases;
    const test = ds.split.test === 0 ? 0 : n !== null ? splitCounts(n, ds.split).test : 1;
    if (test === 0) {
      const db = ft.data.block;
      ctx.error(
        msg('SSL058', 'noTestSplit', { dataset: db.decl.name, test: percentLabel(ds.split.test), ofCases: n !== null ? ` of ${n} cases` : '', evaluate: ec.decl.name }),
        db.json.split !== undefined ? valueSpan(db, '/split') : db.decl.nameSpan,
        'give it a test split, e.g. split { val = 10%, test = 20% }',
      );
    }
  }
  if (arms.includes('finetune') && j.arms !== undefined && !ft.arms.includes('finetune') && ft.warmup >= ft.train(ds.dim).epochs) {
    ctx.error(msg('SSL044', 'warmupTooLong', { warmup: ft.warmup, epochs: ft.train(ds.dim).epochs }), valueSpan(sc, '/arms'));
  }

  // methods
  const methods: SweepMethod[] = [];
  const methodSpans: Span[] = [];
  const listed = arr(j.methods) ?? [];
  let scratchListed = false;
  let methodFailed = false;
  const resolved: CheckedPretext[] = [];
  listed.forEach((m, i) => {
    const name = word(m)!;
    const where = `/methods/${i}`;
    if (name === 'scratch') {
      scratchListed = true;
      return;
    }
    const pc = ctx.ref(sc, where, ['pretext']);
    const p = pc ? ctx.pretext(pc) : null;
    if (!p) {
      methodFailed = true;
      return;
    }
    resolved.push(p);
    if (methods.some((x) => x.pre?.block.decl === p.block.decl)) {
      ctx.error(msg('SSL066', 'methodTwice', { name }), valueSpan(sc, where));
      return;
    }
    const pArms = arms.filter((a) => a !== 'scratch');
    if (pArms.length === 0) {
      ctx.error(msg('SSL065', 'noArm', { name, arms: arms.join(', ') }), valueSpan(sc, where), 'add finetune (or frozen) to arms');
      return;
    }
    methods.push({ id: p.spec.name, label: p.method, pre: p, arms: pArms });
    methodSpans.push(valueSpan(sc, where));
  });
  if (scratchListed || arms.includes('scratch')) methods.push({ id: 'scratch', label: 'scratch', pre: null, arms: ['scratch'] });
  // report labels must be unique
  methods.forEach((m, i) => {
    const first = methods.findIndex((x) => x.label === m.label);
    if (first !== i)
      ctx.error(msg('SSL070', 'sameLabel', { label: m.label }), methodSpans[i] ?? sc.decl.nameSpan, `give one of them a label: pretext ${m.id} = … { label = "${m.label} (b)" }`);
  });

  // per-method checks: encoder, input shape, adapter
  const plans: SweepPlan[] = [];
  for (const [i, m] of methods.entries()) {
    let enc: CheckedEncoder | null = m.pre?.encoder ?? ft.encoder;
    const where = m.pre ? methodSpans[i]! : valueSpan(sc, '/methods');
    if (!enc) {
      // scratch: the encoder of the pretext methods with the data's dimension, if unique
      const same = resolved.filter((x) => x.encoder.dim === ds.dim).map((x) => x.encoder);
      const uniq = [...new Map(same.map((e) => [canonicalJson(e.spec), e])).values()];
      if (uniq.length === 1) enc = uniq[0]!;
      else if (methodFailed) continue; // already reported: a listed method did not resolve
      else {
        ctx.error(
          uniq.length === 0 ? msg('SSL059', 'noEncoder') : msg('SSL059', 'severalEncoders'),
          where,
          `add encoder = NAME to finetune ${ft.block.decl.name}`,
        );
        continue;
      }
    }
    let slices: Slices | null = null;
    if (enc.dim === 3 && ds.dim === 2) {
      ctx.error(msg('SSL051', 'encoder3dOn2d', { id: m.id, dataset: ft.data.block.decl.name }), where);
      continue;
    }
    if (enc.dim === 2 && ds.dim === 3) {
      slices = ft.slices ?? m.pre?.spec.slices ?? null;
      if (!slices) {
        ctx.error(msg('SSL047', 'methodNeedsSlices', { id: m.id, dataset: ft.data.block.decl.name }), where, `add slices { axis = axial, per-volume = 16 } to finetune ${ft.block.decl.name}`);
        continue;
      }
    }
    const axis = slices?.axis;
    const spatial = axis !== undefined ? ft.data.shape!.filter((_, k) => k !== axis) : ft.data.shape!.slice();
    if (!ctx.wholeInput(ft.block, '/data', spatial, enc, enc.block.decl.name)) continue;
    if (m.pre && !adapterFits(ctx, ft, m)) continue;
    if (m.pre && m.pre.encoder.dim !== enc.dim) continue;
    plans.push({ method: m, encoder: enc.spec, inputShape: [...spatial, ds.channels], slices, train: ft.train(enc.dim) });
  }
  if (ctx.errorCount > before) return null;
  return { block: sc, finetune: ft, evaluation: ev, fractions, repetitions, plans };
}

/** A method pretrained on other channels than it fine-tunes on needs an adapter (SSL046); `duplicate` pairs them by name when it can (SSL074). */
function adapterFits(ctx: CheckContext, ft: CheckedFinetune, m: SweepMethod): boolean {
  const pre = m.pre!;
  const ds = ft.data.spec;
  const pc = pre.data.spec.channels;
  const adapterSpan = ft.block.json.adapter !== undefined ? valueSpan(ft.block, '/adapter') : ft.block.decl.nameSpan;
  if (pc !== ds.channels && ft.adapter === 'none') {
    ctx.error(
      msg('SSL046', 'channelsDiffer', { id: m.id, pretrainChannels: pc, pretrainData: pre.data.block.decl.name, channels: ds.channels, finetuneData: ft.data.block.decl.name }),
      adapterSpan,
      'add adapter = duplicate (the paper), average or zero to finetune ' + ft.block.decl.name,
    );
    return false;
  }
  if (pc !== ds.channels && ft.adapter === 'duplicate') {
    const map = channelMapping(pc, ds.channels, pre.data.spec.channelNames, ds.channelNames);
    if (map.by === 'order') {
      const why = map.unmatched.length > 0
        ? `${map.unmatched.join(', ')} of ${ft.data.block.decl.name} ${map.unmatched.length === 1 ? 'has' : 'have'} no counterpart among [${(pre.data.spec.channelNames ?? []).join(', ')}] of ${pre.data.block.decl.name}`
        : `${pre.data.spec.channelNames ? ft.data.block.decl.name : pre.data.block.decl.name} declares no channel names`;
      ctx.warning(
        msg('SSL074', 'pairsByOrder', { pairs: map.pairs.join(', '), why }),
        adapterSpan,
        'declare channel-names = [t1, flair] (modality names) on both datasets',
      );
    }
  }
  return true;
}
