// `train { keep = best | last }`: the graph carries `keep` only for `best` (graphs without it, and
// `keep = last`, keep their hashes); a bad value is a located error listing both words.
import { describe, expect, it } from 'vitest';
import type { FinetuneNode, PretrainNode } from '../../core/graph.js';
import { compileText, program } from './helpers.js';

function nodes(over: Parameters<typeof program>[0]) {
  const r = compileText(program(over));
  const pre = r.graph?.nodes.find((n): n is PretrainNode => n.kind === 'pretrain');
  const ft = r.graph?.nodes.filter((n): n is FinetuneNode => n.kind === 'finetune') ?? [];
  return { r, pre, ft };
}

describe('train keep', () => {
  it('is absent unless best; best changes the node hashes, last does not', () => {
    const plain = nodes({});
    const last = nodes({ finetune: 'finetune seg = segmentation { data = lab, warmup = 1 epochs, train { epochs = 3, keep = last } }' });
    const best = nodes({
      finetune: 'finetune seg = segmentation { data = lab, warmup = 1 epochs, train { epochs = 3, keep = best } }',
      pretext: 'pretext rot = rotation { data = corpus, encoder = tiny, train { epochs = 2, keep = best } }',
    });
    for (const x of [plain, last, best]) expect(x.r.diagnostics.map((d) => d.code)).toEqual([]);
    expect('keep' in plain.ft[0]!.params.finetune.train).toBe(false);
    expect('keep' in last.ft[0]!.params.finetune.train).toBe(false);
    expect(last.ft.map((n) => n.hash)).toEqual(plain.ft.map((n) => n.hash));
    expect(best.ft[0]!.params.finetune.train.keep).toBe('best');
    expect(best.pre!.params.pretext.train.keep).toBe('best');
    expect(best.pre!.hash).not.toBe(plain.pre!.hash);
    expect(best.ft[0]!.hash).not.toBe(plain.ft[0]!.hash);
  });
  it('rejects another word at its value', () => {
    const text = 'finetune seg = segmentation { data = lab, warmup = 1 epochs, train { epochs = 3, keep = first } }';
    const { r } = nodes({ finetune: text });
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0]!;
    expect(d.severity).toBe('error');
    expect(d.message).toMatch(/best/);
    expect(d.span.startColumn).toBe(text.indexOf('first') + 1);
  });
});
