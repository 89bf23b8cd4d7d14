// Rotation's declared `crop` option: the graph carries it only when set (old hashes stay), the
// cost model sees the crop cube, and a crop that does not fit is a located error with a fix.
import { describe, expect, it } from 'vitest';
import type { PretrainNode } from '../../core/graph.js';
import { compileText, program } from './helpers.js';

function pretrain(pretext: string): { node: PretrainNode | undefined; codes: string[]; hints: Array<string | undefined>; cols: number[] } {
  const r = compileText(program({ pretext }));
  const node = r.graph?.nodes.find((n): n is PretrainNode => n.kind === 'pretrain');
  return { node, codes: r.diagnostics.map((d) => d.code), hints: r.diagnostics.map((d) => d.hint), cols: r.diagnostics.map((d) => d.span.startColumn) };
}

describe('rotation crop', () => {
  it('is absent from the graph unless declared, and sets the encoder input when it is', () => {
    const whole = pretrain('pretext rot = rotation { data = corpus, encoder = tiny, train { epochs = 2 } }');
    expect(whole.codes).toEqual([]);
    expect('crop' in whole.node!.params.pretext.params).toBe(false);
    const cropped = pretrain('pretext rot = rotation { data = corpus, encoder = tiny, crop = 16 voxels, train { epochs = 2 } }');
    expect(cropped.codes).toEqual([]);
    expect(cropped.node!.params.pretext.params).toEqual({ task: 'rotation', copies: 4, crop: 16 });
    expect(cropped.node!.hash).not.toBe(whole.node!.hash);
    // the cost model runs the encoder on 16³ instead of 32³: fewer activations
    expect(cropped.node!.cost!.activationBytes).toBeLessThan(whole.node!.cost!.activationBytes);
  });
  it('must fit the input and the encoder', () => {
    const big = pretrain('pretext rot = rotation { data = corpus, encoder = tiny, crop = 40 voxels }');
    expect(big.codes).toEqual(['SSL041']);
    expect(big.hints[0]).toBe('use crop = 32 voxels or less');
    const odd = pretrain('pretext rot = rotation { data = corpus, encoder = tiny, crop = 14 voxels }');
    expect(odd.codes).toEqual(['SSL053']);
    expect(odd.hints[0]).toBe('use crop = 12 voxels');
    // located at the value
    expect(odd.cols[0]).toBe('pretext rot = rotation { data = corpus, encoder = tiny, crop = '.length + 1);
  });
});
