// Loading a root file and its imports into modules with scopes (name resolution).
// Imports resolve relative to the importing file. `import "x.ssl"` brings x's own declarations
// into scope by name; `import "x.ssl" as common` makes them available as `common.NAME`.
// Imports are not transitive: a file sees only what it declares and imports itself.
import { posix } from 'node:path';
import type { Declaration, Document, Import, Span } from '../grammar/ast.js';
import { parse } from '../grammar/index.js';
import type { Diagnostics } from './diag.js';
import { closest } from './suggest.js';
import { msg, type CodedMessage } from '../core/codes/index.js';

export interface Symbol {
  name: string;
  /** Name as seen from the root file (`ukb`, `common.ukb`); used in node ids. */
  qualified: string;
  decl: Declaration;
  module: Module;
}

export interface Module {
  file: string;
  doc: Document;
  /** Own declarations by name. */
  own: Map<string, Symbol>;
  /** Names visible without a prefix (own + unaliased imports). */
  scope: Map<string, Symbol>;
  aliases: Map<string, Module>;
  /** Prefix for qualified names (`''` for the root, `common.` for an aliased import). */
  prefix: string;
}

export interface LoadResult {
  root: Module | null;
  modules: Module[];
  sources: Record<string, string>;
}

/** Normalise a path to posix form without leading './'. */
export function normPath(p: string): string {
  const n = posix.normalize(p.replace(/\\/g, '/'));
  return n.startsWith('./') ? n.slice(2) : n;
}

/**
 * Why an import path may not be followed, or null. Imports stay inside the project folder
 * `root` (posix, relative like the file names here): no absolute paths, no `..` leaving it, and
 * only `.ssl` files. The reader checks the rest on disk (symbolic links, devices, size, binary).
 */
export function importProblem(path: string, target: string, root: string): CodedMessage<'SSL091'> | null {
  if (path.includes('\u0000')) return msg('SSL091', 'nulByte');
  if (posix.isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\')) return msg('SSL091', 'absolute', { path });
  const rel = posix.relative(root === '' ? '.' : root, target);
  if (rel === '..' || rel.startsWith('../') || posix.isAbsolute(rel)) {
    return msg('SSL091', 'leavesProject', { path, root: root === '' || root === '.' ? '(the folder of the experiment file)' : root });
  }
  if (!path.endsWith('.ssl')) return msg('SSL091', 'notSsl', { path, suggestion: sslSuggestion(path) });
  return null;
}

/** ` (did you mean "x.ssl"?)` for a path that names a file without the extension (or with `.SSL`), else ''. */
function sslSuggestion(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  // nothing to add an extension to: '', '.', '..', 'folder/'
  if (base === '' || base === '.' || base === '..') return '';
  if (/\.ssl$/i.test(base)) return ` (did you mean "${path.slice(0, -4)}.ssl"?)`;
  return /\.[A-Za-z0-9]+$/.test(base) ? '' : ` (did you mean "${path}.ssl"?)`;
}

/** Files importing files: at most this many levels below the experiment file. */
export const MAX_IMPORT_DEPTH = 64;

/** An error a reader throws to refuse a file (SSL091) with its reason. */
export interface RefusedRead extends Error {
  sslCode: 'SSL091';
}

export function loadModules(
  rootFile: string,
  rootText: string,
  readFile: (path: string) => string,
  diags: Diagnostics,
  /** The project folder imports must stay in (default: the folder of the root file). */
  importRoot: string = posix.dirname(normPath(rootFile)),
  /**
   * The identity of a file on disk (its real path): two spellings of one file (`a.ssl`,
   * `sub/../a.ssl`, a symbolic link to it) load it once and close a cycle through it. Default:
   * the normalised path.
   */
  identify: (path: string) => string = (p) => p,
): LoadResult {
  const projectRoot = normPath(importRoot);
  const sources: Record<string, string> = {};
  const modules = new Map<string, Module>();
  const order: Module[] = [];
  const keyOf = (file: string): string => {
    try {
      return identify(file);
    } catch {
      return file; // unreadable: the reader reports it
    }
  };

  /** `stack`: the files importing this one, outermost first, as [key, shown name]. */
  const load = (file: string, key: string, text: string, prefix: string, stack: [string, string][]): Module => {
    sources[file] = text;
    // (declarations without a syntax problem keep their head only; entries are parsed again when read)
    const parsed = parse(text, file, { lazy: true });
    for (const d of parsed.diagnostics) diags.add(d);
    const doc = parsed.document;
    const mod: Module = { file, doc, own: new Map(), scope: new Map(), aliases: new Map(), prefix };
    modules.set(key, mod);
    order.push(mod);
    for (const decl of doc.declarations) {
      if (!decl.name) continue;
      const prev = mod.own.get(decl.name);
      if (prev) {
        diags.error(
          msg('SSL031', 'alreadyDeclared', { name: decl.name, kind: prev.decl.kind, line: prev.decl.nameSpan.startLine }),
          decl.nameSpan,
          'every declaration needs its own name; rename one of them',
        );
        continue;
      }
      const sym: Symbol = { name: decl.name, qualified: prefix + decl.name, decl, module: mod };
      mod.own.set(decl.name, sym);
      mod.scope.set(decl.name, sym);
    }
    for (const imp of doc.imports) {
      const target = normPath(posix.join(posix.dirname(file), imp.path));
      const refused = importProblem(imp.path, target, projectRoot);
      if (refused) {
        diags.error(refused, imp.span);
        continue;
      }
      const targetKey = keyOf(target);
      const chain: [string, string][] = [...stack, [key, file]];
      const at = chain.findIndex(([k]) => k === targetKey);
      if (at >= 0) {
        const cycle = [...chain.slice(at).map(([, shown]) => shown), target].join(' → ');
        diags.error(msg('SSL035', 'importCycle', { cycle }), imp.span, 'move the shared declarations into a file that imports neither');
        continue;
      }
      let child = modules.get(targetKey);
      if (!child) {
        if (chain.length >= MAX_IMPORT_DEPTH) {
          // each level is a nested load: a chain of thousands of files would overflow the stack
          diags.error(msg('SSL091', 'tooDeep', { max: MAX_IMPORT_DEPTH }), imp.span, 'import the shared files from fewer levels of files');
          continue;
        }
        let childText: string;
        try {
          childText = readFile(target);
        } catch (e) {
          const code = (e as Partial<RefusedRead>).sslCode;
          if (code) {
            // refused by the reader: the file's contents are never shown
            diags.error(msg('SSL091', 'cannotImport', { path: imp.path, reason: (e as Error).message }), imp.span);
            continue;
          }
          const hint = imp.path.endsWith('.ssl') ? undefined : `did you mean "${imp.path}.ssl"?`;
          diags.error(msg('SSL034', 'cannotReadImport', { path: imp.path, target }), imp.span, hint);
          continue;
        }
        child = load(target, targetKey, childText, imp.alias ? prefix + imp.alias + '.' : prefix, chain);
      }
      bindImport(mod, child, imp, diags);
    }
    return mod;
  };

  const rootName = normPath(rootFile);
  const root = load(rootName, keyOf(rootName), rootText, '', []);
  return { root, modules: order, sources };
}

function bindImport(mod: Module, child: Module, imp: Import, diags: Diagnostics): void {
  if (imp.alias) {
    if (mod.aliases.has(imp.alias) || mod.scope.has(imp.alias)) {
      diags.error(msg('SSL031', 'aliasUsed', { alias: imp.alias }), imp.span);
      return;
    }
    mod.aliases.set(imp.alias, child);
    return;
  }
  for (const [name, sym] of child.own) {
    const prev = mod.scope.get(name);
    if (prev && prev.decl !== sym.decl) {
      const where = prev.module === mod ? `line ${prev.decl.nameSpan.startLine}` : prev.module.file;
      diags.error(
        msg('SSL031', 'importClash', { name, file: child.file, where }),
        prev.module === mod ? prev.decl.nameSpan : imp.span,
        `import it with a prefix: import "${imp.path}" as NAME`,
      );
      continue;
    }
    mod.scope.set(name, sym);
  }
}

export interface RefResult {
  sym: Symbol | null;
}

/** Resolve `name` or `alias.name` in the scope of `mod`; report SSL032/SSL033 on failure. */
export function resolveRef(mod: Module, name: string, kinds: string[], span: Span, diags: Diagnostics): Symbol | null {
  let sym: Symbol | undefined;
  const dot = name.indexOf('.');
  if (dot > 0) {
    const alias = name.slice(0, dot);
    const rest = name.slice(dot + 1);
    const target = mod.aliases.get(alias);
    if (!target) {
      const hint = closest(alias, mod.aliases.keys());
      diags.error(msg('SSL032', 'notAlias', { alias }), span, hint ? `did you mean '${hint}.${rest}'?` : undefined);
      return null;
    }
    sym = target.own.get(rest);
    if (!sym) {
      const cands = [...target.own.values()].filter((s) => kinds.includes(s.decl.kind)).map((s) => s.name);
      const hint = closest(rest, cands);
      diags.error(msg('SSL032', 'notInImport', { file: target.file, kinds: kinds.join(' or '), rest }), span, hint ? `did you mean '${alias}.${hint}'?` : undefined);
      return null;
    }
  } else {
    sym = mod.scope.get(name);
    if (!sym) {
      const cands = [...mod.scope.values()].filter((s) => kinds.includes(s.decl.kind)).map((s) => s.name);
      const hint = closest(name, cands);
      diags.error(
        msg('SSL032', 'notDeclared', { kinds: kinds.join(' or '), name }),
        span,
        hint ? `did you mean '${hint}'?` : cands.length ? `declared: ${cands.join(', ')}` : undefined,
      );
      return null;
    }
  }
  if (!kinds.includes(sym.decl.kind)) {
    const an = (w: string): string => (/^[aeiou]/.test(w) ? 'an ' : 'a ') + w;
    diags.error(msg('SSL033', 'wrongKind', { name, actual: an(sym.decl.kind), wanted: an(kinds.join(' or ')) }), span);
    return null;
  }
  return sym;
}
