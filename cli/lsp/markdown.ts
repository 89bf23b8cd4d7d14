// Texts the editor shows: what each declaration kind is, and what a key expects.
import { findKeyDoc } from './keydocs.js';
import type { Frame } from './schema.js';

/** One line per declaration kind (completion and hover). */
export const KIND_DOC: Record<string, string> = {
  experiment: 'The experiment: its seed and backend. Exactly one per experiment file.',
  dataset: 'A dataset: files (nifti, brats, decathlon, nnunet, images) or built-in phantoms, with preprocessing and a fixed split.',
  encoder: 'An encoder architecture: unet3d, unet2d or densenet2d.',
  pretext: 'A self-supervised pretext task (cpc, rpl, jigsaw, rotation, exemplar) that pretrains an encoder.',
  finetune: 'Fine-tuning on the labelled target task: segmentation or classification, with its arms and warm-up.',
  evaluate: 'The evaluation protocol: label fractions, repetitions, metrics.',
  sweep: 'The grid of methods × arms × fractions × repetitions that is run.',
  report: 'Tables and figures built from the finished runs.',
};

/** Hover/completion text for a key: what it expects (schema), its unit, and the docs' row. */
export function keyMarkdown(key: string, frames: readonly Frame[], expect: string, units: string[], doc: ReturnType<typeof findKeyDoc>): string {
  const where = frames.length > 0 ? frames.map((f) => (f.type && frames.indexOf(f) === 0 ? `${f.word} = ${f.type}` : f.word)).join(' › ') : '';
  const lines = [`**\`${key}\`**${where ? ` in \`${where}\`` : ''}`];
  if (doc?.meaning) lines.push(doc.meaning);
  if (expect) lines.push(`expects ${expect}`);
  if (doc?.type && !expect) lines.push(`type: ${doc.type}`);
  if (doc?.default) lines.push(`default: ${doc.default}`);
  if (units.length > 0) lines.push(`unit: ${units.join(', ')}`);
  return lines.join('\n\n');
}
