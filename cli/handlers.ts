// The composition root's handler table: which module runs which node kind. The executor
// (runtime/executor) only receives a resolver, so it never imports the layers above it (report/).

import { lazyHandlers, type HandlerResolver } from '../runtime/executor/handlers.js';

/** The built-in handlers (data, pretrain, finetune, evaluate, report), imported on first use. */
export const defaultHandlers: HandlerResolver = lazyHandlers({
  data: { file: 'runtime/data/node', name: 'dataHandler', load: () => import('../runtime/data/node.js') },
  pretrain: { file: 'runtime/tasks/node', name: 'pretrainHandler', load: () => import('../runtime/tasks/node.js') },
  finetune: { file: 'runtime/train/finetune', name: 'finetuneHandler', load: () => import('../runtime/train/finetune.js') },
  evaluate: { file: 'runtime/eval/node', name: 'evaluateHandler', load: () => import('../runtime/eval/node.js') },
  report: { file: 'report/node', name: 'reportHandler', load: () => import('../report/node.js') },
});
