// The analysis thread: compiles documents on request (see analyze.ts) and posts the results
// back. For a large file it first posts the parsed document, so that outline, hover and
// definition work on it while the (slower) compile still runs.
import { parentPort } from 'node:worker_threads';
import { parse } from '../../grammar/index.js';
import { analyze, type AnalyzeRequest } from './analyze.js';
import { plainSpansDeep } from '../../core/span.js';

const port = parentPort;
if (port) {
  port.on('message', (req: AnalyzeRequest) => {
    if (req.wantDocument) {
      const { document } = parse(req.text, req.path);
      // (the AST's spans compute lines and columns in getters, which a structured clone drops)
      port.postMessage({ kind: 'document', id: req.id, path: req.path, document: plainSpansDeep(document) });
    }
    port.postMessage({ kind: 'result', ...analyze(req) });
  });
}
