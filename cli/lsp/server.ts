// `ssl3d lsp --stdio`: a Language Server Protocol server for `.ssl` files, on the same parser
// and compiler as `ssl3d check` and `ssl3d fmt`.
//
// Documents sync incrementally. Compiling (diagnostics, plan facts) runs in a worker thread,
// one document at a time, always on the newest text (edits that arrive meanwhile coalesce), so a
// large file or a burst of keystrokes never holds up completion, hover or navigation. Those
// requests use the worker's parse of the current text when it has one, else parse here (cached
// per text); files larger than BIG_FILE are never parsed here: they use the worker's last parse.
//
// This file owns the state (documents, parses, the worker, the workspace's files) and the
// lifecycle; each kind of request lives in its own file over a `Workspace` view of that state:
// actions.ts (quick fixes, formatting), completion.ts, hover.ts, navigation.ts (definition,
// references, rename, outline), tokens.ts (semantic tokens).
import { readSourceFile } from '../../compiler/index.js';
import { isAbsolute } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  CodeActionKind,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  type Connection,
  type Diagnostic as LspDiagnostic,
} from 'vscode-languageserver/node.js';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { glob } from 'tinyglobby';
import type { Document } from '../../grammar/ast.js';
import type { Diagnostic } from '../../grammar/diagnostics.js';
import { parse } from '../../grammar/index.js';
import { registerActions } from './actions.js';
import { analyze, type AnalyzeRequest, type AnalyzeResult, type Facts } from './analyze.js';
import { importTarget } from './ast.js';
import { registerCompletion } from './completion.js';
import { toLsp, toPath, toUri } from './convert.js';
import { registerHover } from './hover.js';
import { registerNavigation } from './navigation.js';
import { semanticTokens, TOKEN_MODIFIERS, TOKEN_TYPES } from './tokens.js';
import { requestDoc, type Workspace } from './workspace.js';

/** Files above this size are parsed only in the worker (their requests use its last parse). */
export const BIG_FILE = 256 * 1024;
/** Quiet time after an edit before the document is compiled again. */
const DEBOUNCE_MS = 80;

interface Parsed {
  text: string;
  doc: Document;
}

export interface ServerOptions {
  /** Log one line per compile (path, milliseconds) to the client's output. */
  trace?: boolean;
}

export function startServer(connection: Connection = createConnection(ProposedFeatures.all), options: ServerOptions = {}): Connection {
  const documents = new TextDocuments(TextDocument);
  const parsed = new Map<string, Parsed>();
  const workerDocs = new Map<string, Parsed>();
  const facts = new Map<string, Facts>();
  const published = new Map<string, LspDiagnostic[]>();
  let workspaceFiles: string[] = [];
  let roots: string[] = [];

  // ─── texts and parses ───

  const openText = (path: string): string | null => documents.get(toUri(path))?.getText() ?? null;
  const readText = (path: string): string | null => {
    const open = openText(path);
    if (open !== null) return open;
    try {
      // as ssl3d check reads: a regular file of at most 4 MiB of text (a workspace .ssl that is a
      // link to /dev/zero or a named pipe froze this thread, and with it the whole server)
      return readSourceFile(path, null);
    } catch {
      return null;
    }
  };
  /** The parsed document of a path (open buffer or disk); null when unreadable. */
  const docOf = (path: string): Document | null => {
    const text = readText(path);
    if (text === null) return null;
    const w = workerDocs.get(path);
    if (w && w.text === text) return w.doc;
    if (text.length > BIG_FILE) return w ? w.doc : null;
    const hit = parsed.get(path);
    if (hit && hit.text === text) return hit.doc;
    const doc = parse(text, path).document;
    parsed.set(path, { text, doc });
    return doc;
  };

  const importRe = /^[ \t]*import[ \t]+"([^"\n]+)"/gm;
  // imports of files on disk, kept until the client reports the file changed
  const diskImports = new Map<string, string[]>();
  const importsOf = (path: string): string[] => {
    const open = openText(path);
    if (open === null && diskImports.has(path)) return diskImports.get(path)!;
    const text = open ?? readText(path);
    if (text === null) return [];
    const out: string[] = [];
    for (const m of text.matchAll(importRe)) out.push(importTarget(path, { path: m[1]! }));
    if (open === null) diskImports.set(path, out);
    return out;
  };
  const allFiles = (): string[] => {
    const set = new Set(workspaceFiles);
    for (const d of documents.all()) {
      const p = toPath(d.uri);
      if (p) set.add(p);
    }
    return [...set];
  };
  const importersOf = (path: string): string[] => allFiles().filter((f) => f !== path && importsOf(f).includes(path));

  // ─── compiling in the worker ───

  let worker: Worker | null = null;
  let workerBroken = false;
  let busy = false;
  let nextId = 1;
  const dirty = new Set<string>();
  const inFlight = new Map<number, { path: string; version: number; text: string }>();
  let timer: NodeJS.Timeout | null = null;

  const startWorker = (): Worker => {
    const here = import.meta.url;
    // the worker inherits node's flags, except those that only make sense for the main script
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type') && a !== '-e' && a !== '--eval');
    let w: Worker;
    if (here.endsWith('.ts')) {
      // running from the TypeScript sources: load tsx in the worker too
      const api = import.meta.resolve('tsx/esm/api');
      const target = new URL('./worker.ts', here).href;
      w = new Worker(`import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`, { eval: true, execArgv });
    } else {
      w = new Worker(new URL('./worker.js', here), { execArgv });
    }
    w.unref();
    w.on('message', onWorkerMessage);
    w.on('error', (err) => {
      connection.console.error(`ssl3d lsp: analysis thread failed (${err.message}); compiling on the main thread from now on`);
      worker = null;
      workerBroken = true;
      busy = false;
      // redo what was in flight
      for (const job of inFlight.values()) dirty.add(job.path);
      inFlight.clear();
      pump();
    });
    return w;
  };

  const schedule = (path: string, withImporters = true): void => {
    dirty.add(path);
    if (withImporters) {
      const seen = new Set([path]);
      const queue = [path];
      while (queue.length) {
        const p = queue.shift()!;
        for (const imp of importersOf(p)) {
          if (seen.has(imp)) continue;
          seen.add(imp);
          if (documents.get(toUri(imp))) dirty.add(imp);
          queue.push(imp);
        }
      }
    }
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      pump();
    }, DEBOUNCE_MS);
  };

  const pump = (): void => {
    if (busy) return;
    for (const path of dirty) {
      dirty.delete(path);
      const doc = documents.get(toUri(path));
      if (!doc) continue;
      const overlay: Record<string, string> = {};
      for (const d of documents.all()) {
        const p = toPath(d.uri);
        if (p && p !== path) overlay[p] = d.getText();
      }
      const text = doc.getText();
      const req: AnalyzeRequest = { id: nextId++, path, text, overlay, library: importersOf(path).length > 0, wantDocument: true };
      inFlight.set(req.id, { path, version: doc.version, text });
      if (workerBroken) {
        // no analysis thread: compile here, one document per turn of the event loop
        busy = true;
        setImmediate(() => {
          if (req.wantDocument) onWorkerMessage({ kind: 'document', id: req.id, path, document: parse(text, path).document });
          onWorkerMessage({ kind: 'result', ...analyze(req) });
        });
        return;
      }
      worker ??= startWorker();
      busy = true;
      worker.postMessage(req);
      return;
    }
  };

  function onWorkerMessage(msg: ({ kind: 'document'; id: number; path: string; document: Document }) | ({ kind: 'result' } & AnalyzeResult)): void {
    const job = inFlight.get(msg.id);
    if (!job) return;
    const doc = documents.get(toUri(job.path));
    const current = doc !== undefined && doc.version === job.version;
    if (msg.kind === 'document') {
      // the worker parsed the text of job.version; keep it with that text
      if (doc) workerDocs.set(job.path, { text: job.text, doc: msg.document });
      return;
    }
    inFlight.delete(msg.id);
    busy = false;
    if (options.trace) connection.console.log(`compiled ${job.path} in ${msg.millis.toFixed(0)} ms`);
    if (current) {
      if (msg.facts) facts.set(job.path, msg.facts);
      const own = msg.diagnostics.filter((d) => d.span.file === job.path).map(toLsp);
      published.set(doc.uri, own);
      void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: own });
      publishForeign(job.path, msg.diagnostics);
    }
    pump();
  }

  /** Problems the compile of `root` found in imported files that are not open (as `ssl3d check`
   *  lists them): published under those files, and cleared when they go away. An open file
   *  reports its own problems. */
  const foreign = new Map<string, Set<string>>();
  function publishForeign(root: string, diags: Diagnostic[]): void {
    const byUri = new Map<string, LspDiagnostic[]>();
    for (const d of diags) {
      if (d.span.file === root || !isAbsolute(d.span.file)) continue;
      const uri = toUri(d.span.file);
      if (documents.get(uri)) continue;
      const list = byUri.get(uri) ?? [];
      list.push(toLsp(d));
      byUri.set(uri, list);
    }
    for (const uri of foreign.get(root) ?? []) if (!byUri.has(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
    for (const [uri, list] of byUri) void connection.sendDiagnostics({ uri, diagnostics: list });
    foreign.set(root, new Set(byUri.keys()));
  }

  // ─── lifecycle ───

  connection.onInitialize((params) => {
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    roots = folders.map(toPath).filter((p): p is string => p !== null);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ['=', ' ', '[', ',', '.'] },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        semanticTokensProvider: { legend: { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] }, full: true },
      },
      serverInfo: { name: 'ssl3d' },
    };
  });

  connection.onInitialized(async () => {
    const found: string[] = [];
    for (const root of roots) {
      try {
        const files = await glob(['**/*.ssl'], { cwd: root, absolute: true, ignore: ['**/node_modules/**', '**/.ssl3d/**', '**/.git/**'] });
        found.push(...files.slice(0, 5000));
      } catch {
        // an unreadable folder only means fewer cross-file answers
      }
    }
    workspaceFiles = found;
  });

  connection.onShutdown(async () => {
    if (worker) await worker.terminate();
    worker = null;
  });

  documents.onDidChangeContent((e) => {
    const p = toPath(e.document.uri);
    if (p) schedule(p);
  });
  connection.onDidChangeWatchedFiles((params) => {
    for (const change of params.changes) {
      const p = toPath(change.uri);
      if (!p || !p.endsWith('.ssl')) continue;
      diskImports.delete(p);
      if (change.type === 1 && !workspaceFiles.includes(p)) workspaceFiles.push(p);
      if (change.type === 3) workspaceFiles = workspaceFiles.filter((f) => f !== p);
      if (documents.get(change.uri)) continue; // the open buffer is what counts
      for (const imp of importersOf(p)) if (documents.get(toUri(imp))) schedule(imp, false);
    }
  });

  documents.onDidClose((e) => {
    const p = toPath(e.document.uri);
    if (!p) return;
    for (const uri of foreign.get(p) ?? []) void connection.sendDiagnostics({ uri, diagnostics: [] });
    foreign.delete(p);
    parsed.delete(p);
    workerDocs.delete(p);
    published.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    // files importing it now read it from disk
    for (const imp of importersOf(p)) if (documents.get(toUri(imp))) schedule(imp, false);
  });

  // ─── the requests (one file per feature, over the workspace's state) ───

  const ws: Workspace = { documents, facts, published, readText, docOf, importersOf };
  registerActions(connection, ws);
  registerCompletion(connection, ws);
  registerHover(connection, ws);
  registerNavigation(connection, ws);

  // ─── semantic tokens ───

  connection.languages.semanticTokens.on((params) => {
    const a = requestDoc(ws, params.textDocument.uri);
    if (!a || !a.doc || a.text.length > BIG_FILE) return { data: [] };
    return { data: semanticTokens(a.path, a.text, a.doc, docOf) };
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}

