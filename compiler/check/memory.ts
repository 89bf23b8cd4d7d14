// SSL078: a training block whose memory estimate exceeds this machine's memory. The estimates
// come from the lowering (compiler/cost.ts per node); this is the one check that runs after it.
import type { Span } from '../../grammar/ast.js';
import type { Diagnostics } from '../diag.js';
import { msg } from '../../core/codes/index.js';

/** The largest training-memory estimate of one pretext or finetune block. */
export interface MemoryPeak {
  span: Span;
  /** `pretext rot3d`, `finetune seg`. */
  what: string;
  bytes: number;
  activationBytes: number;
  batch: number;
}

export function memoryWarnings(peaks: MemoryPeak[], machine: number | undefined, diags: Diagnostics): void {
  if (!machine || diags.errorCount > 0) return;
  const gb = (b: number): string => (b >= 1e12 ? `${Number((b / 1e12).toPrecision(3)).toLocaleString('en-US')} TB` : `${(b / 1e9).toFixed(1)} GB`);
  for (const p of peaks) {
    if (p.bytes <= machine) continue;
    diags.warning(
      msg('SSL078', 'tooMuchMemory', { what: p.what, needed: gb(p.bytes), activations: gb(p.activationBytes), batch: p.batch, available: gb(machine) }),
      p.span,
      p.batch > 1 ? `lower the batch (${p.batch} → ${Math.max(1, Math.floor((p.batch * machine) / p.bytes))} would fit the estimate), the input size, or run it on a machine with more memory` : 'lower the input size or the encoder, or run it on a machine with more memory',
    );
  }
}
