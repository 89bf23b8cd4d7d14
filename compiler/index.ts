// The compiler's public API: checked `.ssl` source (plus imports) → ExecutionGraph.
//
//   compileFile(file, { overrides, readFile })  reads the file and its imports
//   compileSource(text, file, { overrides, readFile })
//
// Pure: the same sources give a byte-identical graph (no timestamps, no absolute paths; data
// paths stay relative to the experiment file's folder). The only I/O is `readFile` (imports).
import { closeSync, constants as fsConstants, existsSync, lstatSync, openSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Span } from '../grammar/ast.js';
import { forgetRecentEntries } from '../grammar/index.js';
import { PACKAGE_VERSION } from '../core/version.js';
import { Diagnostics, KEEP_OBJECTS, type Diagnostic } from './diag.js';
export { MAX_DIAGNOSTICS_PER_FILE } from './diag.js';
import { withPlainSpans } from '../core/diagnostics.js';
import type { DatasetSpec, ExecutionGraph } from '../core/graph.js';
import { sha256 } from '../core/hash.js';
import { withFrontEndHeap } from './heap.js';
import { checkExperiment, memoryWarnings } from './check/index.js';
import { lowerExperiment } from './lower.js';
import { loadModules, normPath, type RefusedRead } from './modules.js';
import { applyOverrides } from './overrides.js';
import { msg } from '../core/codes/index.js';

export type { Diagnostic };

export interface CompileOptions {
  /** `path=value` overrides (from `--set`), e.g. `rot3d.train.epochs=2` or `experiment.backend=cpu`. */
  overrides?: string[];
  /** How imports (and, for compileFile, the root file) are read; defaults to the file system. */
  readFile?: (path: string) => string;
  /**
   * The folder imports must stay inside. Default: with the file-system reader, the nearest folder
   * above the experiment file that holds a package.json (else the file's own folder); with a
   * custom `readFile`, the experiment file's folder.
   */
  importRoot?: string;
  /**
   * The identity of an imported file (default with the file-system reader: its real path), so
   * that one file imported under two spellings is loaded once; with a custom `readFile`, the path.
   */
  identify?: (path: string) => string;
  /** Collect the datasets of the experiment file that nothing uses (CompileResult.unusedDatasets; `check --data` verifies them). Off by default: a spec per unused dataset is memory a plain check does not need. */
  unusedDatasets?: boolean;
  /** This machine's memory in bytes: training blocks estimated to need more get warning SSL078 (the CLI passes os.totalmem()). */
  machineMemoryBytes?: number;
}

export interface CompileResult {
  graph: ExecutionGraph | null;
  diagnostics: Diagnostic[];
  /** Every file read (and each `--set` text, as `--set[N]`), for rendering diagnostics. */
  sources: Record<string, string>;
  /** With `unusedDatasets: true`: the datasets of the experiment file that no node uses (SSL067): not in the graph, but `check --data` verifies them. */
  unusedDatasets?: DatasetSpec[];
}

/** The largest .ssl file read (root or import): far above any real experiment. */
export const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

function refuse(message: string): RefusedRead {
  return Object.assign(new Error(message), { sslCode: 'SSL091' as const });
}

/** The refusal of a source of `bytes` bytes over MAX_SOURCE_BYTES (also the language server's, for open documents). */
export function tooLarge(bytes: number): RefusedRead {
  return refuse(`it has ${bytes} bytes; .ssl files are limited to ${MAX_SOURCE_BYTES} bytes`);
}

/**
 * Read a source file from disk safely: it must be a regular file (never a device, FIFO or
 * folder; /dev/zero or a named pipe would grow memory or hang), at most MAX_SOURCE_BYTES, UTF-8
 * text without NUL bytes; with `root`, its real path (symbolic links resolved) must lie inside
 * that folder. Refusals are RefusedRead errors (SSL091) and the contents are never echoed.
 */
export function readSourceFile(path: string, root: string | null): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    if ((e as { code?: string }).code === 'ELOOP') throw refuse(linkLoop(path));
    throw e; // ENOENT and friends: the caller's "cannot read" message
  }
  if (root !== null) {
    const realRoot = realpathSync(root);
    const rel = relative(realRoot, real);
    if (rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) throw refuse(`it resolves (through a symbolic link) to ${real}, outside the project folder ${realRoot}`);
  }
  const st = statSync(real);
  if (!st.isFile()) throw refuse(`it is not a regular file (${st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a named pipe' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'a special file'})`);
  if (st.size > MAX_SOURCE_BYTES) throw tooLarge(st.size);
  // Read at most one byte past the limit (files in /proc report size 0 but are not empty).
  const fd = openSync(real, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  const buf = Buffer.alloc(Math.min(MAX_SOURCE_BYTES + 1, Math.max(st.size, 65536) + 1));
  let n = 0;
  try {
    for (;;) {
      if (n === buf.length) break;
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
  } finally {
    closeSync(fd);
  }
  if (n > MAX_SOURCE_BYTES || (n === buf.length && buf.length <= MAX_SOURCE_BYTES && st.size === 0)) {
    throw refuse(`it is larger than ${MAX_SOURCE_BYTES} bytes (or not an ordinary file)`);
  }
  const bytes = buf.subarray(0, n);
  if (bytes.includes(0)) throw refuse('it is binary data (it contains NUL bytes), not .ssl text');
  const text = bytes.toString('utf8');
  if (text.includes('\uFFFD') && !bytes.includes(Buffer.from('\uFFFD', 'utf8'))) throw refuse('it is not UTF-8 text');
  return text;
}

/**
 * Name a loop of symbolic links: follow `path` link by link (at most 40, the kernel's own limit)
 * until a link repeats, e.g. `its symbolic links form a loop: a.ssl → b.ssl → a.ssl`. A loop in
 * a folder above the file (not reachable this way) is said without the chain.
 */
function linkLoop(path: string): string {
  const seen: string[] = [];
  let at = resolve(path);
  for (let hop = 0; hop < 40; hop++) {
    const again = seen.indexOf(at);
    if (again >= 0) {
      const shown = (p: string): string => relative(process.cwd(), p) || p;
      return `its symbolic links form a loop: ${[...seen.slice(again), at].map(shown).join(' → ')}`;
    }
    seen.push(at);
    let next: string;
    try {
      if (!lstatSync(at).isSymbolicLink()) break;
      next = readlinkSync(at);
    } catch {
      break;
    }
    at = resolve(dirname(at), next);
  }
  return 'a folder on its path is a loop of symbolic links (too many levels of links)';
}

/** The real path of a file (symbolic links resolved): two spellings of one file import it once. */
export function realFile(path: string): string {
  return realpathSync(path);
}

/** The project folder of an experiment file: the nearest folder above it with a package.json, else its own folder. */
export function projectRoot(file: string): string {
  const start = dirname(resolve(file));
  for (let d = start; ; ) {
    if (existsSync(join(d, 'package.json'))) return d;
    const up = dirname(d);
    if (up === d) return start;
    d = up;
  }
}

const defaultRead = (p: string): string => readSourceFile(p, null);

export function compileFile(file: string, options: CompileOptions = {}): CompileResult {
  const read = options.readFile ?? defaultRead;
  let text: string;
  try {
    text = read(file);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const refused = (err as Partial<RefusedRead>).sslCode;
    const span: Span = { file, startOffset: 0, endOffset: 0, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };
    return {
      graph: null,
      diagnostics: [{ ...(refused ? msg('SSL091', 'cannotRead', { file, reason: (err as Error).message }) : code === 'EISDIR' || /not a regular file \(a folder\)/.test(String((err as Error).message)) ? msg('SSL034', 'isFolder', { file }) : msg('SSL034', 'cannotRead', { file })), severity: 'error', span }],
      sources: {},
    };
  }
  return compileSource(text, file, options);
}

export function compileSource(text: string, file: string, options: CompileOptions = {}): CompileResult {
  try {
    // (null: a diagnostic to show was kept as a row of a flood; compile again keeping objects)
    return withFrontEndHeap(() => compileKeeping(text, file, options, KEEP_OBJECTS) ?? compileKeeping(text, file, options, Infinity)!);
  } finally {
    // (the entries the check parsed again lately would keep this file's AST alive)
    forgetRecentEntries();
  }
}

/** compileSource with the diagnostics past the first `keep` kept as rows (compiler/diag.ts). */
function compileKeeping(text: string, file: string, options: CompileOptions, keep: number): CompileResult | null {
  const diags = new Diagnostics(keep);
  // Imports are confined to the project folder: by path here, and on disk (symbolic links,
  // devices, size) by the default reader.
  let importRoot: string;
  let read: (p: string) => string;
  let identify = options.identify;
  if (options.readFile) {
    read = options.readFile;
    importRoot = options.importRoot ?? dirname(normPath(file));
  } else {
    identify ??= realFile;
    const abs = options.importRoot ? resolve(options.importRoot) : projectRoot(file);
    importRoot = relative(process.cwd(), abs).split(sep).join('/') || '.';
    read = (p) => readSourceFile(p, abs);
  }
  const overrideSources: Record<string, string> = {};
  let loaded: ReturnType<typeof loadModules>;
  try {
    loaded = loadModules(file, text, read, diags, isAbsolute(normPath(file)) ? resolve(importRoot).split(sep).join('/') : importRoot, identify);
    if (loaded.root) applyOverrides(loaded.root, options.overrides ?? [], diags, overrideSources);
  } catch (err) {
    // The front end never throws; this is a last line of defence so no input gives a stack trace.
    const span: Span = { file: normPath(file), startOffset: 0, endOffset: 0, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };
    diags.error(msg('SSL099', 'internalCompilerError', { reason: err instanceof Error ? err.message : String(err) }), span);
    return { graph: null, diagnostics: diags.list.map(withPlainSpans), sources: { [normPath(file)]: text } };
  }
  const sources = { ...loaded.sources, ...overrideSources };
  let graph: ExecutionGraph | null = null;
  const unusedDatasets: DatasetSpec[] = [];
  if (loaded.root) {
    const sourceHash = sha256(
      Object.keys(sources)
        .sort()
        .map((k) => `${k}\u0000${sources[k]}`)
        .join('\u0001'),
    );
    const syntaxErrors = diags.errorCount > 0;
    try {
      // check (every diagnostic), then lower (none), then the memory estimates of the lowering (SSL078)
      const checked = checkExperiment(loaded.root, loaded.modules, diags, { rootFile: file, ...(options.unusedDatasets ? { unusedDataset: (s: DatasetSpec) => unusedDatasets.push(s) } : {}) });
      if (checked) {
        const lowered = lowerExperiment(checked, { rootFile: file, sourceHash, version: PACKAGE_VERSION });
        memoryWarnings(lowered.peaks, options.machineMemoryBytes, diags);
        graph = lowered.graph;
      }
    } catch (err) {
      const span: Span = { file: normPath(file), startOffset: 0, endOffset: 0, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };
      diags.error(msg('SSL099', 'internalCompilerError', { reason: err instanceof Error ? err.message : String(err) }), span);
      graph = null;
    }
    if (syntaxErrors) graph = null;
  }
  const diagnostics = diags.finish();
  if (diagnostics === null) return null;
  // (the AST's spans are compact; what leaves the compiler has plain ones)
  const result: CompileResult = { graph: diags.errorCount > 0 ? null : graph, diagnostics: diagnostics.map(withPlainSpans), sources };
  if (result.graph && unusedDatasets.length > 0) result.unusedDatasets = unusedDatasets;
  return result;
}

