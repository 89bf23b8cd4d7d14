// The check phase over a whole program: the blocks (blocks.ts), the experiment declaration,
// then every declaration with its checker, the sweeps and reports of the experiment file, and
// the declarations nothing uses. The result is a `CheckedExperiment` when there is no error.
import { posix } from 'node:path';
import type { Declaration } from '../../grammar/ast.js';
import type { Diagnostics } from '../diag.js';
import { Diagnostics as DiagList } from '../diag.js';
import { executorSpecOf } from '../executor.js';
import { num, word } from '../json.js';
import { normPath, type Module } from '../modules.js';
import { checkBlocks } from './blocks.js';
import { CheckContext, valueSpan, type CheckOptions, type Checkers } from './context.js';
import type { Block, CheckedExperiment, CheckedPretext, CheckedReport, CheckedSweep } from './types.js';
import { msg } from '../../core/codes/index.js';

export function checkProgram(root: Module, modules: Module[], diags: Diagnostics, opts: CheckOptions, checkers: Checkers): CheckedExperiment | null {
  const blocks = checkBlocks(modules, diags);
  const ctx = new CheckContext(root, blocks, diags, opts, checkers);
  const rootDecls = root.doc.declarations.filter((d) => root.own.get(d.name)?.decl === d);

  // the experiment declaration: exactly one, in the experiment file
  const experiments = rootDecls.filter((d) => d.kind === 'experiment');
  const fileSpan = root.doc.declarations[0]?.kindSpan ?? root.doc.imports[0]?.span ?? {
    file: normPath(opts.rootFile), startOffset: 0, endOffset: 0, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1,
  };
  if (experiments.length === 0) {
    // a file the parser gave up on has its own error; "declares no experiment" would be spurious (#17.11)
    if (!root.doc.abandoned) ctx.error(msg('SSL036', 'noExperiment', { file: normPath(opts.rootFile) }), fileSpan, 'add: experiment NAME { seed = 42 }');
  } else if (experiments.length > 1) {
    ctx.error(msg('SSL036', 'twoExperiments', { first: experiments[0]!.name, line: experiments[0]!.nameSpan.startLine }), experiments[1]!.nameSpan);
  }
  const expC = experiments[0] ? blocks.get(experiments[0]) : undefined;
  ctx.seed = expC?.ok ? num(expC.json.seed) ?? 0 : 0;
  const backend = (expC?.ok ? word(expC.json.backend) : undefined) ?? 'auto';

  // Check every declaration, used or not (a researcher expects `check` to look at all of it).
  for (const mod of modules) {
    for (const d of mod.doc.declarations) {
      const c = blocks.get(d);
      if (!c?.ok) continue;
      if (d.kind === 'dataset') ctx.dataset(c);
      else if (d.kind === 'encoder') ctx.encoder(c);
      else if (d.kind === 'pretext') ctx.pretext(c);
      else if (d.kind === 'finetune') ctx.finetune(c);
    }
  }

  // Sweeps (root file only).
  const sweepBlocks = rootDecls.filter((d) => d.kind === 'sweep').map((d) => blocks.get(d)).filter((c): c is Block => !!c);
  const sweeps: CheckedSweep[] = [];
  const checkedSweeps = new Set<Declaration>();
  for (const sc of sweepBlocks) {
    if (!sc.ok) continue;
    const r = ctx.sweep(sc);
    if (r) {
      sweeps.push(r);
      checkedSweeps.add(sc.decl);
    }
  }
  // Pretext tasks declared in the root file but not swept still pretrain.
  const pretexts: CheckedPretext[] = [];
  for (const d of rootDecls.filter((x) => x.kind === 'pretext')) {
    const c = blocks.get(d);
    if (!c?.ok) continue;
    const p = ctx.pretext(c);
    if (p) pretexts.push(p);
  }
  // Reports: each against its sweep's evaluation (also when the sweep itself failed).
  const reports: CheckedReport[] = [];
  for (const d of rootDecls.filter((x) => x.kind === 'report')) {
    const c = blocks.get(d);
    if (!c?.ok) continue;
    let sweepDecl: Declaration | null = null;
    if (c.json.sweep !== undefined) {
      const s = ctx.ref(c, '/sweep', ['sweep']);
      if (!s) continue;
      if (s.sym.module !== root) {
        ctx.error(msg('SSL038', 'sweepFromImport', { report: d.name, sweep: s.decl.name }), valueSpan(c, '/sweep'));
        continue;
      }
      sweepDecl = s.decl;
    } else if (sweepBlocks.length === 1) sweepDecl = sweepBlocks[0]!.decl;
    else {
      ctx.error(
        sweepBlocks.length === 0 ? msg('SSL038', 'noSweep', { report: d.name }) : msg('SSL038', 'whichSweep', { report: d.name, count: sweepBlocks.length }),
        d.nameSpan,
        sweepBlocks.length === 0 ? 'declare a sweep { methods = […], finetune = …, evaluate = … }' : `add sweep = ${sweepBlocks.map((s) => s.decl.name).join(' or ')}`,
      );
      continue;
    }
    const context = ctx.sweepContext.get(sweepDecl);
    if (!context) continue;
    const r = ctx.report(c, sweepDecl, context);
    if (r && checkedSweeps.has(sweepDecl)) reports.push(r);
  }

  // Declarations of the experiment file that nothing uses are probably a slip (warning);
  // only said of an otherwise clean program, where every reference has been resolved.
  for (const d of ctx.errorCount === 0 ? rootDecls : []) {
    if (!['dataset', 'encoder', 'finetune', 'evaluate'].includes(d.kind) || ctx.used.has(d) || !blocks.get(d)?.ok) continue;
    ctx.warning(msg('SSL067', 'unused', { kind: d.kind, name: d.name }), d.nameSpan, d.kind === 'finetune' || d.kind === 'evaluate' ? 'name it in a sweep' : 'refer to it, or remove it');
    if (d.kind === 'dataset' && opts.unusedDataset) {
      // resolved on a scratch list: an unused dataset's domain problems do not fail the program
      const real = ctx.diags;
      ctx.diags = new DiagList();
      const info = ctx.dataset(blocks.get(d)!);
      const clean = ctx.diags.errorCount === 0;
      ctx.diags = real;
      if (info && clean) opts.unusedDataset(info.spec);
    }
  }
  if (ctx.errorCount > 0) return null;
  const executor = expC?.ok ? executorSpecOf(expC.json.executor) : undefined;
  return {
    name: experiments[0]?.name ?? posix.basename(normPath(opts.rootFile), '.ssl'),
    seed: ctx.seed,
    backend,
    ...(executor ? { executor } : {}),
    multipleSweeps: sweepBlocks.length > 1,
    sweeps,
    pretexts,
    reports,
  };
}
