// The composition root's handler table: which module runs which node kind. The executor
// (runtime/executor) only receives a resolver, so it never imports the layers above it (report/).

import { lazyHandlers, type HandlerResolver } from '../runtime/executor/handlers.js';

/** The built-in handlers (data, pretrain, finetune, evaluate, report), imported on first use. */
export const defaultHandlers: HandlerResolver = lazyHandlers({
  data: { file: 'runtime/nodes/data', name: 'dataHandler', load: () => import('../runtime/nodes/data.js') },
  pretrain: { file: 'runtime/nodes/pretrain', name: 'pretrainHandler', load: () => import('../runtime/nodes/pretrain.js') },
  finetune: { file: 'runtime/nodes/finetune', name: 'finetuneHandler', load: () => import('../runtime/nodes/finetune.js') },
  evaluate: { file: 'runtime/nodes/evaluate', name: 'evaluateHandler', load: () => import('../runtime/nodes/evaluate.js') },
  report: { file: 'report/node', name: 'reportHandler', load: () => import('../report/node.js') },
});
