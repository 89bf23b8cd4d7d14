// dataset NAME = TYPE { … }: the layout's own part (compiler/layouts/<type>.ts) and the part
// every layout shares: preprocessing, channel selection and names, the split, labels and regions.
import { deriveSeed } from '../../core/rng.js';
import type { DatasetSpec } from '../../core/graph.js';
import { datasetLayout } from '../layouts/index.js';
import { arr, frac, ints, isObj, num, obj, percentLabel, word } from '../json.js';
import { keySpan, valueSpan, type CheckContext } from './context.js';
import type { Block, CheckedDataset } from './types.js';
import { msg } from '../../core/codes/index.js';

export function checkDataset(ctx: CheckContext, c: Block): CheckedDataset | null {
  const j = c.json;
  const type = c.decl.type!;
  const errorsBefore = ctx.errorCount;
  const layout = datasetLayout(type);
  if (!layout) return null;
  const lowered = layout.lower({
    json: j,
    rebase: (p) => ctx.rebase(c, p),
    sizeAt: (pointer, dims) => ctx.sizeAt(c, pointer, dims),
    error: (m, pointer) => ctx.error(m, valueSpan(c, pointer)),
  });
  const { source, rawChannels, nativeShape = null, dim = 3, labelKind = 'segmentation', defaultClasses = null, defaultRegions = null, fingerprint = null } = lowered;

  // preprocessing
  const pp = obj(j.preprocess);
  let crop: { threshold: number; margin: number } | null = null;
  if (pp.crop === true) crop = { threshold: 0, margin: 0 };
  else if (isObj(pp.crop)) crop = { threshold: num(pp.crop.threshold) ?? 0, margin: num(pp.crop.margin) ?? 0 };
  let resize: number[] | null = null;
  if (pp.resize !== undefined && pp.resize !== 'none') {
    resize = ctx.sizeAt(c, '/preprocess/resize', dim);
  }
  let window: [number, number] | null = null;
  const w = arr(pp.window);
  if (w) {
    window = [num(w[0]) ?? 0, num(w[1]) ?? 0];
    if (!(window[0] < window[1])) ctx.error(msg('SSL064', 'emptyWindow', { low: window[0], high: window[1] }), valueSpan(c, '/preprocess/window'));
  }
  if (crop && window && window[0] < window[1]) checkCropThreshold(ctx, c, crop.threshold, window, pp.crop === true);
  const normalize = (word(pp.normalize) ?? 'minmax') as 'minmax' | 'zscore' | 'none';
  let channels = rawChannels;
  let select: number[] | null = null;
  const chosen = ints(pp.channels);
  if (chosen) {
    chosen.forEach((ch, i) => {
      if (ch >= rawChannels)
        ctx.error(msg('SSL060', 'channelDoesNotExist', { ch, dataset: c.decl.name, count: rawChannels, last: rawChannels - 1 }), valueSpan(c, `/preprocess/channels/${i}`));
      if (chosen.indexOf(ch) !== i) ctx.error(msg('SSL066', 'channelTwice', { ch }), valueSpan(c, `/preprocess/channels/${i}`));
    });
    select = chosen;
    channels = chosen.length;
  }
  const shape = resize ?? nativeShape;

  // channel names: declared, BraTS modalities, or the phantoms' contrasts
  let rawNames: string[] | null = arr(j['channel-names'])?.map((x) => word(x) ?? '') ?? null;
  if (rawNames && rawNames.length !== rawChannels) {
    ctx.error(msg('SSL060', 'nameCount', { names: rawNames.length, dataset: c.decl.name, count: rawChannels }), valueSpan(c, '/channel-names'));
    rawNames = null;
  }
  if (!rawNames) rawNames = lowered.channelNames ?? null;
  const names = rawNames;
  const channelNames = names ? (select ? select.map((i) => names[i] ?? `#${i}`) : names) : null;

  // split
  const sp = obj(j.split);
  const val = frac(sp.val) ?? 0.05;
  // an unlabelled corpus is only pretrained on, never evaluated: no test split by default, so
  // pretraining sees all of it but the validation cases (as the paper pretrains on the whole
  // corpus; the authors' code holds out a validation part to monitor the pretext task) (#16.11)
  const test = frac(sp.test) ?? (labelKind === 'none' ? 0 : 0.2);
  if (val + test >= 1) ctx.error(msg('SSL058', 'noTrainingSplit', { val: percentLabel(val), test: percentLabel(test) }), valueSpan(c, '/split'));
  const split = { val, test, seed: num(sp.seed) ?? deriveSeed(ctx.seed, 'split', c.sym.qualified) };

  // labels and regions
  let labels: DatasetSpec['labels'];
  let regions: Record<string, number[]> = Object.create(null) as Record<string, number[]>;
  if (labelKind === 'segmentation') {
    let classes = ints(j.classes);
    const declaredRegions = isObj(j.regions) ? j.regions : null;
    if (!classes) {
      if (declaredRegions && !defaultClasses) {
        const set = new Set<number>([0]);
        for (const v of Object.values(declaredRegions)) for (const l of ints(v) ?? []) set.add(l);
        classes = [...set].sort((a, b) => a - b);
      } else classes = defaultClasses ?? undefined;
    }
    if (!classes) {
      ctx.error(msg('SSL024', 'needsLabelValues', { dataset: c.decl.name, type }), c.decl.nameSpan);
      classes = [0, 1];
    }
    classes = [...new Set(classes)].sort((a, b) => a - b);
    if (!classes.includes(0)) classes = [0, ...classes];
    const known = classes;
    labels = { kind: 'segmentation', classes: known };
    if (declaredRegions) {
      for (const [name, v] of Object.entries(declaredRegions)) {
        if (name.endsWith('__excluded')) {
          // result keys `dice_<region>__excluded` count the cases a metric left out
          ctx.error(msg('SSL049', 'reservedName', { name }), keySpan(c, `/regions/${name}`), 'rename the region');
          continue;
        }
        const ls = ints(v) ?? [];
        ls.forEach((l, i) => {
          if (!known.includes(l) || l === 0) {
            const where = Array.isArray(v) ? `/regions/${name}/${i}` : `/regions/${name}`;
            ctx.error(
              l === 0 ? msg('SSL049', 'backgroundLabel', { name }) : msg('SSL049', 'unknownLabel', { name, label: l, dataset: c.decl.name, known: known.join(', ') }),
              valueSpan(c, where),
            );
          }
        });
        regions[name] = [...new Set(ls)].sort((a, b) => a - b);
      }
    } else if (defaultRegions && known.join() === (defaultClasses ?? []).join()) {
      regions = { ...defaultRegions };
    } else {
      for (const l of known) if (l !== 0) regions[`label${l}`] = [l];
    }
  } else if (labelKind === 'classification') {
    labels = { kind: 'classification', classes: num(j.classes) ?? 5 };
  } else {
    labels = { kind: 'none' };
    if (isObj(j.regions) && Object.keys(j.regions).length > 0)
      ctx.error(msg('SSL049', 'noLabels', { dataset: c.decl.name }), keySpan(c, '/regions'), layout.noLabelsHint);
  }
  const knownCases = num(j.cases) ?? null;
  const spec: DatasetSpec = {
    name: c.sym.qualified,
    source,
    preprocess: { crop, resize, window, normalize, channels: select },
    split,
    dim,
    channels,
    labels,
    regions,
    knownCases,
    channelNames,
  };
  if (ctx.errorCount > errorsBefore) return null;
  return { block: c, spec, shape, fingerprint: fingerprint ?? source };
}

/**
 * The crop threshold is compared with intensities after windowing and before normalisation,
 * i.e. in the window's own units (HU for CT). A threshold outside the window, or one that looks
 * like a fraction of the normalised range, is almost certainly a slip (SSL071, a warning).
 */
function checkCropThreshold(ctx: CheckContext, c: Block, threshold: number, window: [number, number], implicit: boolean): void {
  const [lo, hi] = window;
  const span = implicit ? valueSpan(c, '/preprocess/crop') : valueSpan(c, '/preprocess/crop/threshold');
  const what = implicit ? 'crop = true (threshold 0)' : `the crop threshold ${threshold}`;
  const hint = `the threshold is in the window's units (HU for CT), e.g. threshold = ${lo} keeps every voxel above the window's low end (the body)`;
  if (threshold < lo) {
    ctx.warning(msg('SSL071', 'belowWindow', { what, lo, hi }), span, hint);
  } else if (threshold >= hi) {
    ctx.warning(msg('SSL071', 'aboveWindow', { what, hi }), span, hint);
  } else if (threshold > 0 && threshold < 1 && hi - lo >= 10) {
    ctx.warning(msg('SSL071', 'looksLikeFraction', { what, threshold, lo, hi }), span, hint);
  }
}
