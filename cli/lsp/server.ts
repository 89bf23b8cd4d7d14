// `ssl3d lsp --stdio`: a Language Server Protocol server for `.ssl` files, on the same parser
// and compiler as `ssl3d check` and `ssl3d fmt`.
//
// Documents sync incrementally. Compiling (diagnostics, plan facts) runs in a worker thread,
// one document at a time, always on the newest text (edits that arrive meanwhile coalesce), so a
// large file or a burst of keystrokes never holds up completion, hover or navigation. Those
// requests use the worker's parse of the current text when it has one, else parse here (cached
// per text); files larger than BIG_FILE are never parsed here: they use the worker's last parse.
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  InsertTextFormat,
  MarkupKind,
  ProposedFeatures,
  SemanticTokensBuilder,
  SymbolKind,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  type CodeAction,
  type CompletionItem,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type DocumentSymbol,
  type Location,
  type Range,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node.js';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { glob } from 'tinyglobby';
import type { Declaration, Document, Entry, Span, Value } from '../../grammar/ast.js';
import type { Diagnostic } from '../../grammar/diagnostics.js';
import { format, hasErrors, parse } from '../../grammar/index.js';
import { lex } from '../../grammar/lexer.js';
import { findCode } from '../../core/codes/index.js';
import { metricNames } from '../../core/metrics.js';
import { analyze, type AnalyzeRequest, type AnalyzeResult, type Facts } from './analyze.js';
import { hitAt, identValues, importTarget, resolveIdent, segmentSpan, visibleDeclarations, type DeclRef } from './ast.js';
import { cursorContext } from './context.js';
import { findKeyDoc } from './keydocs.js';
import { describeKey, keySchema, keysAt, kindTypes, KINDS, valueChoices, type Frame } from './schema.js';

/** Files above this size are parsed only in the worker (their requests use its last parse). */
export const BIG_FILE = 256 * 1024;
/** Quiet time after an edit before the document is compiled again. */
const DEBOUNCE_MS = 80;

export const TOKEN_TYPES = ['keyword', 'class', 'type', 'property', 'variable', 'enumMember', 'number', 'string', 'comment', 'namespace'] as const;
export const TOKEN_MODIFIERS = ['declaration'] as const;
const T = Object.fromEntries(TOKEN_TYPES.map((t, i) => [t, i])) as Record<(typeof TOKEN_TYPES)[number], number>;

const KIND_DOC: Record<string, string> = {
  experiment: 'The experiment: its seed and backend. Exactly one per experiment file.',
  dataset: 'A dataset: files (nifti, brats, decathlon, nnunet, images) or built-in phantoms, with preprocessing and a fixed split.',
  encoder: 'An encoder architecture: unet3d, unet2d or densenet2d.',
  pretext: 'A self-supervised pretext task (cpc, rpl, jigsaw, rotation, exemplar) that pretrains an encoder.',
  finetune: 'Fine-tuning on the labelled target task: segmentation or classification, with its arms and warm-up.',
  evaluate: 'The evaluation protocol: label fractions, repetitions, metrics.',
  sweep: 'The grid of methods × arms × fractions × repetitions that is run.',
  report: 'Tables and figures built from the finished runs.',
};

const SYMBOL_KIND: Record<string, SymbolKind> = {
  experiment: SymbolKind.Module,
  dataset: SymbolKind.Variable,
  encoder: SymbolKind.Class,
  pretext: SymbolKind.Function,
  finetune: SymbolKind.Function,
  evaluate: SymbolKind.Object,
  sweep: SymbolKind.Array,
  report: SymbolKind.File,
};

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*$/;

function toPath(uri: string): string | null {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : null;
  } catch {
    return null;
  }
}

const toUri = (path: string): string => pathToFileURL(path).href;

function rangeOf(span: Span): Range {
  return {
    start: { line: span.startLine - 1, character: span.startColumn - 1 },
    end: { line: span.endLine - 1, character: span.endColumn - 1 },
  };
}

/** The compiler's diagnostic in LSP form: the hint and span-less notes join the message, located
 *  notes become related information, and the code's title comes from the catalogue. */
function toLsp(d: Diagnostic): LspDiagnostic {
  const extra: string[] = [];
  if (d.hint) extra.push(`hint: ${d.hint}`);
  for (const n of d.notes ?? []) if (!n.span) extra.push(`note: ${n.message}`);
  const related = (d.notes ?? []).flatMap((n) => (n.span ? [{ location: { uri: toUri(n.span.file), range: rangeOf(n.span) }, message: n.message }] : []));
  const out: LspDiagnostic = {
    range: rangeOf(d.span),
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: 'ssl3d',
    message: [d.message, ...extra].join('\n'),
    data: { hint: d.hint ?? null },
  };
  if (related.length > 0) out.relatedInformation = related;
  return out;
}

/** `did you mean 'x'?` / `did you mean "x.ssl"?` → x */
export function suggestionOf(hint: string | null | undefined): string | null {
  if (!hint) return null;
  const m = /did you mean '([^']+)'\?/.exec(hint) ?? /did you mean "([^"]+)"\?/.exec(hint);
  return m ? m[1]! : null;
}

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
      return readFileSync(path, 'utf8');
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

  // ─── helpers on a request's document ───

  const at = (uri: string): { path: string; text: string; td: TextDocument; doc: Document | null } | null => {
    const td = documents.get(uri);
    const path = toPath(uri);
    if (!td || !path) return null;
    return { path, text: td.getText(), td, doc: docOf(path) };
  };

  const declLocation = (ref: DeclRef): Location => ({ uri: toUri(ref.file), range: rangeOf(ref.decl.nameSpan) });

  /** The declaration under the cursor: its name, or a reference to it. */
  const declAt = (path: string, doc: Document, off: number): DeclRef | null => {
    const hit = hitAt(doc, off);
    if (!hit) return null;
    if (hit.kind === 'declName') return { file: path, decl: hit.decl };
    if (hit.kind === 'ident') return resolveIdent(path, doc, hit.value, docOf)?.target ?? null;
    return null;
  };

  /** Every place that names `target`: its declaration and the references in files that see it. */
  const occurrences = (target: DeclRef): Array<{ file: string; start: number; end: number; span: Span; isDecl: boolean }> => {
    const out: Array<{ file: string; start: number; end: number; span: Span; isDecl: boolean }> = [];
    out.push({ file: target.file, start: target.decl.nameSpan.startOffset, end: target.decl.nameSpan.endOffset, span: target.decl.nameSpan, isDecl: true });
    const files = [target.file, ...importersOf(target.file)];
    for (const file of files) {
      const doc = docOf(file);
      if (!doc) continue;
      for (const ident of identValues(doc)) {
        const r = resolveIdent(file, doc, ident, docOf);
        if (!r || r.target.file !== target.file || r.target.decl.name !== target.decl.name) continue;
        const seg = segmentSpan(ident, r.segment);
        const text = readText(file) ?? '';
        const span = spanFromOffsets(text, file, seg.start, seg.end);
        out.push({ file, start: seg.start, end: seg.end, span, isDecl: false });
      }
    }
    return out;
  };

  // ─── diagnostics → quick fixes ───

  connection.onCodeAction((params) => {
    const td = documents.get(params.textDocument.uri);
    if (!td) return [];
    const actions: CodeAction[] = [];
    for (const d of params.context.diagnostics) {
      const data = d.data as { hint?: string | null } | undefined;
      const hint = data?.hint ?? /hint: (.*)/.exec(d.message)?.[1] ?? null;
      const suggestion = suggestionOf(hint);
      if (!suggestion) continue;
      const start = td.offsetAt(d.range.start);
      const end = td.offsetAt(d.range.end);
      const text = td.getText().slice(start, end);
      let range: Range = d.range;
      if (/^[A-Za-z_][\w.-]*$/.test(text)) {
        range = d.range;
      } else {
        // the span covers more than the word (an import statement): replace inside the quotes
        const q = text.indexOf('"');
        const q2 = q >= 0 ? text.indexOf('"', q + 1) : -1;
        if (q < 0 || q2 < 0) continue;
        range = { start: td.positionAt(start + q + 1), end: td.positionAt(start + q2) };
      }
      actions.push({
        title: `Change to '${suggestion}'`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: { changes: { [td.uri]: [{ range, newText: suggestion }] } },
      });
    }
    return actions;
  });

  // ─── completion ───

  connection.onCompletion((params) => {
    const a = at(params.textDocument.uri);
    if (!a) return [];
    const off = a.td.offsetAt(params.position);
    const ctx = cursorContext(a.text, off);
    const replace: Range = { start: a.td.positionAt(ctx.prefixStart), end: params.position };
    const items: CompletionItem[] = [];
    const push = (label: string, kind: CompletionItemKind, detail?: string, doc?: string, insert?: string, snippet = false): void => {
      const item: CompletionItem = { label, kind, textEdit: { range: replace, newText: insert ?? label } };
      if (detail) item.detail = detail;
      if (doc) item.documentation = { kind: MarkupKind.Markdown, value: doc };
      if (snippet) item.insertTextFormat = InsertTextFormat.Snippet;
      items.push(item);
    };
    const slot = ctx.slot;
    if (slot.kind === 'top') {
      for (const k of KINDS) {
        const types = kindTypes[k];
        const snippet = types ? `${k} \${1:name} = \${2|${types.join(',')}|} {\n\t$0\n}` : `${k} \${1:name} {\n\t$0\n}`;
        push(k, CompletionItemKind.Keyword, types ? `${k} NAME = ${types.join(' | ')} { … }` : `${k} NAME { … }`, KIND_DOC[k], snippet, true);
      }
      push('import', CompletionItemKind.Keyword, 'import "FILE.ssl" [as ALIAS]', 'Bring the declarations of another file into scope.', 'import "$1"', true);
    } else if (slot.kind === 'type') {
      for (const t of kindTypes[slot.declKind] ?? []) push(t, CompletionItemKind.Class, `${slot.declKind} type`);
    } else if (slot.kind === 'key') {
      for (const k of keysAt(ctx.frames)) {
        if (ctx.present.includes(k.key)) continue;
        const doc = findKeyDoc(ctx.frames, k.key);
        const insert = k.writtenAsBlock ? `${k.key} {\n\t$0\n}` : `${k.key} = $0`;
        push(k.key, CompletionItemKind.Property, k.expect || undefined, keyMarkdown(k.key, ctx.frames, k.expect, k.units, doc), insert, true);
      }
    } else if (slot.kind === 'value') {
      const schema = keySchema(ctx.frames, slot.key);
      const choices = valueChoices(schema);
      if (slot.afterNumber) {
        for (const u of choices.units) if (u !== '%') push(u, CompletionItemKind.Unit, `unit of ${slot.key}`);
        return items;
      }
      for (const w of choices.words) push(w, CompletionItemKind.EnumMember, describeKey(slot.key, schema ?? {}).expect);
      if (choices.bool) for (const w of ['true', 'false']) push(w, CompletionItemKind.Value);
      for (const t of choices.blockTypes) push(`${t} { … }`, CompletionItemKind.Struct, undefined, undefined, `${t} { $0 }`, true);
      if (choices.ref && a.doc) {
        for (const v of visibleDeclarations(a.path, a.doc, docOf)) {
          if (v.decl.kind !== choices.ref) continue;
          push(v.name, CompletionItemKind.Reference, `${v.decl.kind} ${v.decl.name}${v.decl.type ? ' = ' + v.decl.type : ''}`, v.file === a.path ? undefined : `from ${v.file}`);
        }
        if (choices.ref === 'pretext' && slot.key === 'methods') push('scratch', CompletionItemKind.EnumMember, 'training from random initialisation');
      }
      if (choices.metric) {
        const known = facts.get(a.path)?.metrics ?? [];
        const metrics = known.length > 0 ? known : metricNames();
        for (const m of metrics) push(m, CompletionItemKind.EnumMember, known.length > 0 ? 'valid for this experiment’s target' : 'metric');
      }
    }
    return items;
  });

  // ─── hover ───

  connection.onHover((params) => {
    const a = at(params.textDocument.uri);
    if (!a || !a.doc) return null;
    const off = a.td.offsetAt(params.position);
    const parts: string[] = [];
    const hit = hitAt(a.doc, off);
    const rootFacts = facts.get(a.path);
    const declInfo = (ref: DeclRef): void => {
      const d = ref.decl;
      const text = readText(ref.file) ?? '';
      const src = text.slice(d.span.startOffset, d.span.endOffset).split('\n');
      const shown = src.length > 14 ? [...src.slice(0, 12), '  …', src[src.length - 1]!] : src;
      parts.push(`**${d.kind} ${d.name}**${d.type ? ` = ${d.type}` : ''}${ref.file !== a.path ? ` — from \`${ref.file}\`` : ''}`);
      parts.push('```ssl\n' + shown.join('\n') + '\n```');
      const qualified = d.name;
      for (const line of rootFacts?.nodes[qualified] ?? []) parts.push(line);
    };
    if (hit?.kind === 'key') {
      const schema = keySchema(hit.frames, hit.entry.key);
      const info = schema ? describeKey(hit.entry.key, schema) : null;
      parts.push(keyMarkdown(hit.entry.key, hit.frames, info?.expect ?? '', info?.units ?? [], findKeyDoc(hit.frames, hit.entry.key)));
    } else if (hit?.kind === 'ident') {
      const r = resolveIdent(a.path, a.doc, hit.value, docOf);
      if (r) declInfo(r.target);
      else if (hit.value.name === 'scratch') {
        parts.push('**scratch**: the baseline trained from random initialisation');
        for (const line of rootFacts?.nodes['scratch'] ?? []) parts.push(line);
      } else {
        const schema = keySchema(hit.frames, hit.key);
        const info = schema ? describeKey(hit.key, schema) : null;
        parts.push(`\`${hit.value.name}\` — value of ${keyMarkdown(hit.key, hit.frames, info?.expect ?? '', info?.units ?? [], findKeyDoc(hit.frames, hit.key))}`);
      }
    } else if (hit?.kind === 'value' || hit?.kind === 'blockType') {
      const schema = keySchema(hit.frames, hit.key);
      const info = schema ? describeKey(hit.key, schema) : null;
      parts.push(keyMarkdown(hit.key, hit.frames, info?.expect ?? '', info?.units ?? [], findKeyDoc(hit.frames, hit.key)));
    } else if (hit?.kind === 'declName') {
      declInfo({ file: a.path, decl: hit.decl });
    } else if (hit?.kind === 'declKind') {
      parts.push(`**${hit.decl.kind}** — ${KIND_DOC[hit.decl.kind] ?? 'a declaration'}`);
      if (hit.decl.kind === 'sweep' || hit.decl.kind === 'experiment') for (const line of rootFacts?.nodes['#graph'] ?? []) parts.push(line);
    } else if (hit?.kind === 'declType') {
      parts.push(`**${hit.decl.kind} type ${hit.decl.type}** — one of ${(kindTypes[hit.decl.kind] ?? []).join(', ')}`);
    } else if (hit?.kind === 'import') {
      parts.push(`imports \`${importTarget(a.path, hit.imp)}\`${hit.imp.alias ? ` as \`${hit.imp.alias}\`` : ''}`);
    }
    // the catalogue's explanation of a diagnostic under the cursor
    for (const d of published.get(a.td.uri) ?? []) {
      const s = a.td.offsetAt(d.range.start);
      const e = a.td.offsetAt(d.range.end);
      if (off < s || off > e || typeof d.code !== 'string') continue;
      const info = findCode(d.code);
      if (info) parts.push(`**${info.code}** ${info.title}\n\n${info.explanation.split('\n\n')[0]}`);
    }
    if (parts.length === 0) return null;
    return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n') } };
  });

  // ─── navigation ───

  connection.onDefinition((params) => {
    const a = at(params.textDocument.uri);
    if (!a || !a.doc) return null;
    const off = a.td.offsetAt(params.position);
    const hit = hitAt(a.doc, off);
    if (hit?.kind === 'import') {
      const target = importTarget(a.path, hit.imp);
      return { uri: toUri(target), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
    }
    const ref = declAt(a.path, a.doc, off);
    return ref ? declLocation(ref) : null;
  });

  connection.onReferences((params) => {
    const a = at(params.textDocument.uri);
    if (!a || !a.doc) return [];
    const ref = declAt(a.path, a.doc, a.td.offsetAt(params.position));
    if (!ref) return [];
    return occurrences(ref)
      .filter((o) => params.context.includeDeclaration || !o.isDecl)
      .map((o) => ({ uri: toUri(o.file), range: rangeOf(o.span) }));
  });

  connection.onPrepareRename((params) => {
    const a = at(params.textDocument.uri);
    if (!a || !a.doc) return null;
    const off = a.td.offsetAt(params.position);
    const ref = declAt(a.path, a.doc, off);
    if (!ref) return null;
    const here = occurrences(ref).find((o) => o.file === a.path && off >= o.start && off <= o.end);
    return here ? { range: rangeOf(here.span), placeholder: ref.decl.name } : null;
  });

  connection.onRenameRequest((params) => {
    const a = at(params.textDocument.uri);
    if (!a || !a.doc) return null;
    if (!NAME_RE.test(params.newName)) return null;
    const ref = declAt(a.path, a.doc, a.td.offsetAt(params.position));
    if (!ref) return null;
    const changes: Record<string, TextEdit[]> = {};
    for (const o of occurrences(ref)) (changes[toUri(o.file)] ??= []).push({ range: rangeOf(o.span), newText: params.newName });
    const edit: WorkspaceEdit = { changes };
    return edit;
  });

  connection.onDocumentSymbol((params) => {
    const a = at(params.textDocument.uri);
    if (!a || !a.doc) return [];
    const blockChildren = (entries: Entry[]): DocumentSymbol[] =>
      entries.flatMap((e) =>
        e.value.kind === 'block' && e.value.span.file === a.path
          ? [{ name: e.value.type && !e.equals ? `${e.key} ${e.value.type}` : e.key, kind: SymbolKind.Struct, range: rangeOf(e.span), selectionRange: rangeOf(e.keySpan), children: blockChildren(e.value.entries) }]
          : [],
      );
    return a.doc.declarations
      .filter((d: Declaration) => d.name)
      .map(
        (d): DocumentSymbol => ({
          name: d.name,
          detail: d.type ? `${d.kind} = ${d.type}` : d.kind,
          kind: SYMBOL_KIND[d.kind] ?? SymbolKind.Object,
          range: rangeOf(d.span),
          selectionRange: rangeOf(d.nameSpan),
          children: blockChildren(d.entries),
        }),
      );
  });

  // ─── formatting ───

  connection.onDocumentFormatting((params) => {
    const td = documents.get(params.textDocument.uri);
    const path = toPath(params.textDocument.uri);
    if (!td || !path) return [];
    const text = td.getText();
    const { document, diagnostics } = parse(text, path);
    if (hasErrors(diagnostics)) return []; // like `ssl3d fmt`: a file with syntax errors is left alone
    const out = format(document);
    if (out === text) return [];
    return [{ range: { start: { line: 0, character: 0 }, end: td.positionAt(text.length) }, newText: out }];
  });

  // ─── semantic tokens ───

  connection.languages.semanticTokens.on((params) => {
    const a = at(params.textDocument.uri);
    if (!a || !a.doc || a.text.length > BIG_FILE) return { data: [] };
    return { data: semanticTokens(a.path, a.text, a.doc, docOf) };
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}

function spanFromOffsets(text: string, file: string, start: number, end: number): Span {
  const pos = (off: number): { line: number; column: number } => {
    let line = 1;
    let last = -1;
    for (let i = text.indexOf('\n'); i >= 0 && i < off; i = text.indexOf('\n', i + 1)) {
      line++;
      last = i;
    }
    return { line, column: off - last };
  };
  const a = pos(start);
  const b = pos(end);
  return { file, startOffset: start, endOffset: end, startLine: a.line, startColumn: a.column, endLine: b.line, endColumn: b.column };
}

/** Hover/completion text for a key: what it expects (schema), its unit, and the docs' row. */
function keyMarkdown(key: string, frames: readonly Frame[], expect: string, units: string[], doc: ReturnType<typeof findKeyDoc>): string {
  const where = frames.length > 0 ? frames.map((f) => (f.type && frames.indexOf(f) === 0 ? `${f.word} = ${f.type}` : f.word)).join(' › ') : '';
  const lines = [`**\`${key}\`**${where ? ` in \`${where}\`` : ''}`];
  if (doc?.meaning) lines.push(doc.meaning);
  if (expect) lines.push(`expects ${expect}`);
  if (doc?.type && !expect) lines.push(`type: ${doc.type}`);
  if (doc?.default) lines.push(`default: ${doc.default}`);
  if (units.length > 0) lines.push(`unit: ${units.join(', ')}`);
  return lines.join('\n\n');
}

/** Semantic tokens from the parsed document (declarations, keys, values, references) and the
 *  lexer's comments, encoded relative to each other as LSP wants. */
export function semanticTokens(path: string, text: string, doc: Document, docOf: (p: string) => Document | null): number[] {
  const toks: Array<{ line: number; col: number; len: number; type: number; mod: number }> = [];
  const add = (span: { startLine: number; startColumn: number; endLine: number; endColumn: number } | null, type: number, mod = 0): void => {
    if (!span || span.startLine !== span.endLine || span.endColumn <= span.startColumn) return;
    toks.push({ line: span.startLine - 1, col: span.startColumn - 1, len: span.endColumn - span.startColumn, type, mod });
  };
  const sub = (s: Span, from: number, to: number): Span => ({ ...s, startOffset: s.startOffset + from, endOffset: s.startOffset + to, startColumn: s.startColumn + from, endColumn: s.startColumn + to, endLine: s.startLine });
  const value = (v: Value): void => {
    switch (v.kind) {
      case 'number':
        if (v.span.startLine === v.span.endLine && v.unit && v.unit !== '%' && v.span.endOffset - v.span.startOffset > v.raw.length) {
          add(sub(v.span, 0, v.raw.length), T.number);
          const len = v.span.endOffset - v.span.startOffset;
          add(sub(v.span, len - v.unit.length, len), T.keyword);
        } else add(v.span, T.number);
        break;
      case 'size':
      case 'range':
        add(v.span, T.number);
        break;
      case 'string':
        add(v.span, T.string);
        break;
      case 'bool':
        add(v.span, T.keyword);
        break;
      case 'ident':
        add(v.span, resolveIdent(path, doc, v, docOf) ? T.variable : T.enumMember);
        break;
      case 'list':
        v.items.forEach(value);
        break;
      case 'block':
        if (v.typeSpan) add(v.typeSpan, T.type);
        for (const e of v.entries) {
          add(e.keySpan, T.property);
          value(e.value);
        }
        break;
    }
  };
  for (const imp of doc.imports) {
    const s = text.slice(imp.span.startOffset, imp.span.endOffset);
    const m = /^(import)(\s+)("[^"]*")?(?:(\s+)(as)(\s+)([\w-]+))?/.exec(s);
    if (!m) continue;
    add(sub(imp.span, 0, 6), T.keyword);
    if (m[3]) add(sub(imp.span, 6 + m[2]!.length, 6 + m[2]!.length + m[3].length), T.string);
    if (m[5] && m[7]) {
      const asAt = 6 + m[2]!.length + (m[3]?.length ?? 0) + m[4]!.length;
      add(sub(imp.span, asAt, asAt + 2), T.keyword);
      add(sub(imp.span, asAt + 2 + m[6]!.length, asAt + 2 + m[6]!.length + m[7].length), T.namespace);
    }
  }
  for (const d of doc.declarations) {
    add(d.kindSpan, T.keyword);
    if (d.name) add(d.nameSpan, T.class, 1);
    if (d.typeSpan) add(d.typeSpan, T.type);
    for (const e of d.entries) {
      add(e.keySpan, T.property);
      value(e.value);
    }
  }
  for (const c of lex(text).comments) {
    let line = (c.startLine ?? 1) - 1;
    let col = (c.startColumn ?? 1) - 1;
    for (const piece of c.image.split('\n')) {
      const len = piece.replace(/\r$/, '').length;
      if (len > 0) toks.push({ line, col, len, type: T.comment, mod: 0 });
      line++;
      col = 0;
    }
  }
  toks.sort((a, b) => a.line - b.line || a.col - b.col);
  const builder = new SemanticTokensBuilder();
  let lastLine = -1;
  let lastEnd = -1;
  for (const t of toks) {
    if (t.line === lastLine && t.col < lastEnd) continue; // overlapping: keep the first
    builder.push(t.line, t.col, t.len, t.type, t.mod);
    lastLine = t.line;
    lastEnd = t.col + t.len;
  }
  return builder.build().data;
}
