// Is the pretrained encoder really inside the fine-tuned segmenter? Compares, weight by weight,
// the pretrain node's encoder.json with the `enc_` weights of fine-tuned models from the same
// run cache: the frozen arm must hold the pretrained values exactly (BN moving statistics
// included; the input-reading kernels adapted 2 → 4 channels by modality), the finetune arm
// must have moved away from them, and the scratch arm must be unrelated to them.
//   node --import tsx bench/transfer-check.ts CACHE_DIR
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadTensors, type StoredTensor } from '../runtime/models/weights.js';

const cache = process.argv[2];
if (!cache) {
  console.error('usage: node --import tsx bench/transfer-check.ts CACHE_DIR');
  process.exit(2);
}
const nodes = join(cache, 'nodes');
if (!existsSync(nodes)) {
  console.error(`bench/transfer-check: ${cache} is not a run cache (no nodes/ folder)`);
  process.exit(1);
}
const entries = readdirSync(nodes).map((h) => ({ dir: join(nodes, h), m: JSON.parse(readFileSync(join(nodes, h, 'node.json'), 'utf8')) as { node?: string; id?: string } }));
const idOf = (m: { node?: string; id?: string }): string => String(m.node ?? m.id ?? '');
const pre = entries.find((e) => idOf(e.m).startsWith('pretrain:'));
if (!pre) {
  console.error(`bench/transfer-check: no finished pretrain node in ${cache}`);
  process.exit(1);
}
const encoder = (await loadTensors(pre.dir, 'encoder')).tensors;

function compare(a: StoredTensor, b: StoredTensor): number {
  if (a.data.length !== b.data.length) return Number.NaN;
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}
console.log(`pretrained encoder: ${idOf(pre.m)}, ${encoder.size} tensors`);
for (const e of entries.filter((x) => idOf(x.m).startsWith('finetune:')).sort((x, y) => idOf(x.m).localeCompare(idOf(y.m)))) {
  if (!existsSync(join(e.dir, 'model.json'))) continue;
  const model = (await loadTensors(e.dir, 'model')).tensors;
  let same = 0, moved = 0, reshaped = 0, stats = 0, maxMoved = 0;
  // relative L2 change of the convolution kernels: ‖w − w_pretrained‖ / ‖w_pretrained‖
  let num = 0, den = 0;
  for (const [name, t] of encoder) {
    const m = model.get(name);
    if (!m) continue;
    const d = compare(t, m);
    if (/kernel/.test(name) && !Number.isNaN(d)) {
      for (let i = 0; i < t.data.length; i++) {
        num += (m.data[i]! - t.data[i]!) ** 2;
        den += t.data[i]! ** 2;
      }
    }
    if (Number.isNaN(d)) reshaped++;
    else if (d === 0) {
      same++;
      if (/moving_(mean|variance)/.test(name)) stats++;
    } else {
      moved++;
      maxMoved = Math.max(maxMoved, d);
    }
  }
  console.log(`${idOf(e.m).padEnd(36)} enc_ tensors identical to the pretrained: ${same} (BN moving stats ${stats}), changed: ${moved} (max |Δ| ${maxMoved.toFixed(4)}), channel-adapted: ${reshaped}; kernels ‖Δ‖/‖w‖ = ${Math.sqrt(num / den).toFixed(3)}`);
}
