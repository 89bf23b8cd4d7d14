// The first check of every declaration: its kind and type exist, and its entries validate
// against the block schema of that kind and type (compiler/schemas). A block with bad values is
// repaired (the bad values dropped, so defaults apply) and checked further; one that cannot be
// repaired is marked not ok and is not checked again.
import type { Declaration } from '../../grammar/ast.js';
import { Diagnostics as DiagList, type Diagnostics } from '../diag.js';
import type { Module } from '../modules.js';
import { kindTypes, schemaKey } from '../schemas/blocks.js';
import { didYouMeanHint } from '../suggest.js';
import { repairBlock, validateBlock } from '../validate.js';
import { entriesToJson, SpanMap, type JsonObject } from '../values.js';
import type { Block } from './types.js';
import { msg } from '../../core/codes/index.js';

export function checkBlocks(modules: Module[], diags: Diagnostics): Map<Declaration, Block> {
  const blocks = new Map<Declaration, Block>();
  const kinds = Object.keys(kindTypes);
  for (const mod of modules) {
    for (const decl of mod.doc.declarations) {
      const sym = mod.own.get(decl.name);
      if (!sym || sym.decl !== decl) continue; // duplicate name, already reported
      const types = kindTypes[decl.kind];
      if (types === undefined) {
        diags.error(msg('SSL020', 'unknownDeclarationKind', { kind: decl.kind }), decl.kindSpan, didYouMeanHint(decl.kind, kinds) ?? `kinds: ${kinds.join(', ')}`);
        continue;
      }
      if (types === null && decl.type !== null) {
        diags.error(msg('SSL021', 'takesNoType', { kind: decl.kind, type: decl.type }), decl.typeSpan ?? decl.nameSpan, `write: ${decl.kind} ${decl.name} { … }`);
        continue;
      }
      if (types !== null && decl.type === null) {
        diags.error(msg('SSL022', 'needsType', { kind: decl.kind, name: decl.name }), decl.nameSpan, `types: ${types.join(', ')}`);
        continue;
      }
      if (types !== null && decl.type !== null && !types.includes(decl.type)) {
        diags.error(msg('SSL021', 'unknownType', { kind: decl.kind, type: decl.type }), decl.typeSpan ?? decl.nameSpan, didYouMeanHint(decl.type, types) ?? `${decl.kind} types: ${types.join(', ')}`);
        continue;
      }
      const schema = schemaKey(decl.kind, decl.type);
      if (schema === null) continue;
      // (read when a problem must be located: a lazy declaration parses its entries again then)
      const spans = new SpanMap(decl.nameSpan, () => decl.entries);
      const local = new DiagList(diags.keep);
      const json = entriesToJson(decl.entries, local);
      const what = `${decl.kind} ${decl.name}${decl.type ? ` (${decl.type})` : ''}`;
      const valid = validateBlock(schema, json, spans, { what, span: decl.nameSpan }, local);
      diags.addAll(local);
      // A declaration with bad values is still checked with those values left out (defaults),
      // so that its names and domains, and those of every declaration using it, are all
      // reported in the same run (#16.4); the reported errors keep the program from compiling.
      const repaired = valid && local.errorCount === 0 ? json : repairBlock(schema, json);
      blocks.set(decl, { sym, decl, json: (repaired ?? json) as JsonObject, spans, ok: repaired !== null });
    }
  }
  return blocks;
}
