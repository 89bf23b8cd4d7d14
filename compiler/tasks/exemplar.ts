// Pretext task `exemplar`: a triplet loss between transformed copies of a sample and other samples.
import { EXEMPLAR_MAX_MARGIN, type ExemplarParams } from '../../core/tasks/exemplar.js';
import { arr, num, word } from '../json.js';
import { int, list, num as numSchema, oneOfWords } from '../schemas/common.js';
import type { PretextTaskDef } from './types.js';

export const exemplar: PretextTaskDef<ExemplarParams> = {
  name: 'exemplar',
  title: 'Exemplar',
  fields: {
    'code-size': int(1, 100000, 'the code size, e.g. 1024'),
    margin: numSchema(0, EXEMPLAR_MAX_MARGIN, `the triplet margin, above 0 and at most ${EXEMPLAR_MAX_MARGIN}, e.g. 1.0`, true),
    transforms: list(oneOfWords(['flip', 'translate', 'brightness', 'contrast']), 'a list from flip, translate, brightness, contrast', 1),
    negatives: oneOfWords(['batch', 'dataset']),
  },
  wholeInput: true,
  check({ json: j, authors }) {
    return {
      task: 'exemplar',
      codeSize: num(j['code-size']) ?? 1024,
      margin: num(j.margin) ?? 1,
      transforms: (arr(j.transforms)?.map((x) => word(x)!) ?? ['flip', 'translate', 'brightness', 'contrast']) as Array<'flip' | 'translate' | 'brightness' | 'contrast'>,
      negatives: (word(j.negatives) ?? (authors ? 'dataset' : 'batch')) as 'batch' | 'dataset',
    };
  },
  encoderInput(_params, _authors, spatial) {
    return { patch: spatial, runs: 3 };
  },
  heads(params, h, { features, hidden, authors }) {
    // features → hidden (ReLU) → code; the authors' code has three unshared heads (anchor, positive, negative)
    for (let k = 0; k < (authors ? 3 : 1); k++) {
      h.runs(authors ? 1 : 3, (p) => {
        p.dense(features, hidden);
        p.dense(hidden, params.codeSize);
      });
    }
  },
};
