// encoder NAME = unet3d | unet2d | densenet2d { … }: a preset plus the fields that override it.
import type { Dim, EncoderSpec } from '../../core/graph.js';
import { DENSENET_PRESETS, UNET_PRESETS } from '../defaults.js';
import { ints, num, word } from '../json.js';
import { at, valueSpan, type CheckContext } from './context.js';
import type { Block, CheckedEncoder } from './types.js';
import { msg } from '../../core/codes/index.js';

export function checkEncoder(ctx: CheckContext, c: Block): CheckedEncoder | null {
  const before = ctx.errorCount;
  const j = c.json;
  const type = c.decl.type!;
  let spec: EncoderSpec;
  if (type === 'densenet2d') {
    const p = DENSENET_PRESETS[(word(j.preset) ?? 'densenet121') as 'densenet121' | 'small'];
    spec = {
      kind: 'densenet2d',
      blocks: ints(j.blocks) ?? p.blocks,
      growth: num(j.growth) ?? p.growth,
      initFilters: num(j['init-filters']) ?? p.initFilters,
      compression: num(j.compression) ?? p.compression,
      dropout: num(j.dropout) ?? p.dropout,
    };
  } else {
    const p = UNET_PRESETS[(word(j.preset) ?? 'paper') as 'paper' | 'authors-code' | 'small'];
    const f = at(c, '/filters');
    let levels = num(j.levels);
    let filters: number[];
    if (Array.isArray(f)) {
      filters = ints(f)!;
      if (levels !== undefined && levels !== filters.length)
        ctx.error(msg('SSL055', 'filtersPerLevel', { count: filters.length, levels }), valueSpan(c, '/filters'), `give one filter count per level, or drop levels`);
      levels = filters.length;
    } else {
      levels ??= p.levels;
      const base = typeof f === 'number' ? f : p.filters[0]!;
      filters = Array.from({ length: levels }, (_, i) => base * 2 ** i);
    }
    spec = {
      kind: type as 'unet3d' | 'unet2d',
      levels,
      filters,
      block: (word(j.block) ?? p.block) as 'plain' | 'residual',
      norm: (word(j.norm) ?? p.norm) as 'batch' | 'instance' | 'none',
      dropout: num(j.dropout) ?? p.dropout,
      finalPool: (word(j['final-pool']) ?? p.finalPool) as 'max' | 'avg' | 'none',
      upsample: (word(j.upsample) ?? p.upsample) as 'transpose' | 'upsample',
    };
  }
  return ctx.errorCount > before ? null : { block: c, spec, dim: (type === 'unet3d' ? 3 : 2) as Dim };
}
