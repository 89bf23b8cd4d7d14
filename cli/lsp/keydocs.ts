// Hover and completion text for keys, taken from the block reference in docs/language.md: the
// same tables people read, so the editor and the docs cannot drift apart. Each table row gives a
// key's type, default and meaning; rows are filed under the block they describe (`train`,
// `dataset`, `pretext.cpc`, …).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface KeyDoc {
  key: string;
  /** Block the row belongs to: `experiment`, `dataset`, `dataset.nifti`, `preprocess`, `train`, … */
  block: string;
  type: string;
  default: string;
  meaning: string;
}

/** docs/language.md, looked up from this file (sources) or from dist/ (built). */
function findLanguageDoc(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'docs', 'language.md');
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  return null;
}

function cells(line: string): string[] {
  // split on | that are not escaped as \|
  const out: string[] = [];
  let cur = '';
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '\\' && body[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (ch === '|') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** Which block a table under `heading` (introduced by `lead`) describes. */
function blockFor(heading: string, lead: string): string | null {
  if (/^`?preprocess/.test(lead)) return 'preprocess';
  if (/experiment NAME/.test(heading)) return 'experiment';
  if (/dataset NAME/.test(heading)) return 'dataset';
  if (/encoder NAME/.test(heading)) return 'encoder.unet';
  if (/pretext NAME/.test(heading)) return 'pretext';
  if (/^Training/.test(heading)) return 'train';
  if (/finetune NAME/.test(heading)) return 'finetune';
  if (/evaluate NAME/.test(heading)) return 'evaluate';
  if (/sweep NAME/.test(heading)) return 'sweep';
  if (/report NAME/.test(heading)) return 'report';
  return null;
}

/** `name` (detail), `other` detail, … in one cell: the per-type key lists. Segments are split
 *  at commas outside parentheses and backticks; each starts with its key. */
function inlineKeys(cell: string): Array<{ key: string; detail: string }> {
  const segments: string[] = [];
  let depth = 0;
  let tick = false;
  let cur = '';
  for (const ch of cell) {
    if (ch === '`') tick = !tick;
    else if (!tick && ch === '(') depth++;
    else if (!tick && ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0 && !tick) {
      segments.push(cur);
      cur = '';
    } else cur += ch;
  }
  segments.push(cur);
  const out: Array<{ key: string; detail: string }> = [];
  for (const seg of segments) {
    const m = /^\s*`([a-z][\w-]*)`\s*(.*)$/s.exec(seg);
    if (!m) continue;
    let detail = m[2]!.trim();
    if (detail.startsWith('(') && detail.endsWith(')')) detail = detail.slice(1, -1);
    out.push({ key: m[1]!, detail });
  }
  return out;
}

export function parseKeyDocs(markdown: string): KeyDoc[] {
  const docs: KeyDoc[] = [];
  let heading = '';
  let lead = '';
  let header: string[] | null = null;
  let block: string | null = null;
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith('## Block reference'));
  const stop = lines.findIndex((l, i) => i > start && l.startsWith('## ') && !l.startsWith('## Block reference'));
  for (const line of lines.slice(Math.max(0, start), stop < 0 ? undefined : stop)) {
    if (line.startsWith('#')) {
      heading = line.replace(/^#+\s*/, '');
      lead = '';
      header = null;
      continue;
    }
    if (!line.startsWith('|')) {
      if (line.trim()) lead = line.trim();
      header = null;
      continue;
    }
    const row = cells(line);
    if (!header) {
      header = row.map((c) => c.toLowerCase());
      block = blockFor(heading, lead);
      continue;
    }
    if (row.every((c) => /^:?-+:?$/.test(c))) continue;
    if (!block) continue;
    if (header[0] === 'type' || header[0] === 'task') {
      // `| nifti | `images` (…), `labels` (…) | example |` and `| `cpc` | `grid` (…), … |`
      const type = row[0]!.replace(/`/g, '');
      const kind = header[0] === 'type' ? 'dataset' : 'pretext';
      for (const { key, detail } of inlineKeys(row[1] ?? '')) {
        // the task table's details are defaults (paper / authors-code); the dataset table's mix
        // defaults and meaning
        docs.push({ key, block: `${kind}.${type}`, type: '', default: kind === 'pretext' ? detail.replace(/ \/ /, ' (paper) / ') + (detail.includes(' / ') ? ' (authors-code)' : '') : '', meaning: kind === 'pretext' ? '' : detail });
      }
      continue;
    }
    if (!header[0]!.startsWith('key')) continue;
    const keys = [...row[0]!.matchAll(/`([a-z][\w-]*)/g)].map((m) => m[1]!);
    const typeCol = header.indexOf('type');
    const defCol = header.findIndex((h) => h.startsWith('default'));
    const meaningCol = header.lastIndexOf('');
    // columns after the default that name an alternative (the encoder presets)
    const alternatives = header.flatMap((h, i) => (i > defCol && defCol >= 0 && h !== '' ? [i] : []));
    let def = defCol >= 0 ? row[defCol] ?? '' : '';
    for (const i of alternatives) if (row[i]) def += `; ${header[i]!.replace(/`/g, '')}: ${row[i]}`;
    for (const key of keys.slice(0, row[0]!.includes('`,') ? undefined : 1)) {
      docs.push({
        key,
        block,
        type: typeCol >= 0 ? row[typeCol] ?? '' : '',
        default: def,
        meaning: meaningCol > 0 ? row[meaningCol] ?? '' : '',
      });
    }
  }
  return docs;
}

let cached: KeyDoc[] | null = null;

export function keyDocs(): KeyDoc[] {
  if (cached) return cached;
  const p = findLanguageDoc();
  try {
    cached = p ? parseKeyDocs(readFileSync(p, 'utf8')) : [];
  } catch {
    cached = [];
  }
  return cached;
}

/** The documentation row for `key` in a block reached through these (kind/key, type) steps:
 *  the most specific block first (`pretext.cpc`, then `pretext`). */
export function findKeyDoc(path: ReadonlyArray<{ word: string; type: string | null }>, key: string): KeyDoc | null {
  const docs = keyDocs();
  const candidates: string[] = [];
  const last = path[path.length - 1];
  if (!last) return null;
  if (path.length === 1) {
    if (last.type) candidates.push(`${last.word}.${last.type}`);
    if (last.word === 'encoder') candidates.push('encoder.unet');
    candidates.push(last.word);
  } else {
    candidates.push(last.word);
    // `table LABEL { … }` and `plot` keys are described in the report's row of that block
    if (last.word === 'table' || last.word === 'plot') candidates.push('report');
  }
  for (const b of candidates) {
    const d = docs.find((x) => x.block === b && x.key === key);
    if (d) return d;
  }
  return null;
}
