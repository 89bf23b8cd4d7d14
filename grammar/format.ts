// Canonical formatting of an `.ssl` document (`ssl3d fmt`).
//
// Rules: imports first, then declarations, one blank line between declarations; two-space
// indentation; one entry per line; `key = value` with single spaces; a block (not a
// declaration) written on one line stays on one line when it fits in 100 columns and holds no
// comment, one written over several lines keeps one entry per line; a list is put on one line
// whenever it fits, else a list of plain items keeps its written rows (filled to the width) and
// any other list takes one item per line; numbers, units and names as written;
// strings re-quoted with the minimal escapes; comments kept where they were (above an entry,
// or at the end of its line, aligned across consecutive lines); at most one blank line
// between entries, where the source had one.
//
// format(parse(format(x))) === format(x), and parse(format(x)) has the AST of x (spans aside).

import type { BlockValue, Declaration, Document, Entry, Import, NumberValue, Value } from './ast.js';

export const MAX_WIDTH = 100;
const INDENT = '  ';

export function quoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp === 0) out += '\\0';
    else if (cp < 32 || cp === 127 || (cp >= 0x2028 && cp <= 0x2029)) out += `\\u{${cp.toString(16)}}`;
    else out += ch;
  }
  return out + '"';
}

function numberText(n: NumberValue): string {
  const raw = n.raw || String(n.value);
  if (n.unit === null) return raw;
  if (n.unit === '%') return raw + '%';
  return `${raw} ${n.unit}`;
}

const SIMPLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*$/;

/** The one-line form of a value, or null when it cannot have one (a comment inside). */
function inline(v: Value): string | null {
  switch (v.kind) {
    case 'number':
      return numberText(v);
    case 'size':
      return v.dims.join('x');
    case 'string':
      return quoteString(v.value);
    case 'ident':
      return v.path.length > 0 ? v.path.join('.') : v.name;
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'range': {
      const unit = v.from.unit !== null && v.from.unit !== '%' && v.from.unit === v.to.unit ? v.from.unit : null;
      const bound = (n: NumberValue): string => (unit ? n.raw || String(n.value) : numberText(n));
      let s = `${bound(v.from)}..${bound(v.to)}`;
      if (v.step) s += ` step ${numberText(v.step)}`;
      if (unit) s += ` ${unit}`;
      return s;
    }
    case 'list': {
      const parts: string[] = [];
      for (const item of v.items) {
        const s = inline(item);
        if (s === null) return null;
        parts.push(s);
      }
      return `[${parts.join(', ')}]`;
    }
    case 'block': {
      if ((v.trailingComments?.length ?? 0) > 0) return null;
      const parts: string[] = [];
      for (const e of v.entries) {
        if (e.comments.length > 0 || e.trailingComment !== undefined) return null;
        const s = inline(e.value);
        if (s === null) return null;
        parts.push(entryHead(e) + s);
      }
      const prefix = v.type !== null ? v.type + ' ' : '';
      return parts.length === 0 ? `${prefix}{}` : `${prefix}{ ${parts.join(', ')} }`;
    }
  }
}

/** `key = ` or, for blocks written without `=`, `key ` (the block prints its own type). */
function entryHead(e: Entry): string {
  const key = SIMPLE_NAME.test(e.key) ? e.key : e.key || '_';
  if (e.value.kind === 'block' && !e.equals) return key + ' ';
  return key + ' = ';
}

class Printer {
  private readonly out: string[] = [];

  line(indent: number, text: string): void {
    this.out.push(text === '' ? '' : INDENT.repeat(indent) + text);
  }

  blank(): void {
    if (this.out.length > 0 && this.out[this.out.length - 1] !== '') this.out.push('');
  }

  comments(indent: number, comments: readonly string[]): void {
    for (const c of comments) {
      if (c === '') {
        this.blank();
        continue;
      }
      // a multi-line block comment keeps its inner lines exactly as written
      const [first, ...rest] = c.split('\n');
      this.line(indent, first!.trim());
      for (const r of rest) this.out.push(r.replace(/[ \t\r]+$/, ''));
    }
  }

  text(): string {
    while (this.out.length > 0 && this.out[this.out.length - 1] === '') this.out.pop();
    return this.out.length === 0 ? '' : this.out.join('\n') + '\n';
  }

  entries(indent: number, entries: readonly Entry[]): void {
    // trailing comments of consecutive one-line entries are aligned (as gofmt does), so that
    // hand-aligned comments survive formatting
    let run: Array<{ line: number; code: string; comment: string }> = [];
    const flush = (): void => {
      if (run.length > 1) {
        const width = Math.max(...run.map((r) => r.code.length));
        const fits = run.every((r) => INDENT.length * indent + width + 1 + r.comment.length <= MAX_WIDTH);
        if (fits) for (const r of run) this.out[r.line] = INDENT.repeat(indent) + r.code.padEnd(width) + ' ' + r.comment;
      }
      run = [];
    };
    entries.forEach((e, i) => {
      if (i > 0 && e.blankLineBefore) this.blank();
      if (e.blankLineBefore || e.comments.length > 0) flush();
      this.comments(indent, e.comments);
      const one = this.entry(indent, e);
      if (one) run.push(one);
      else flush();
    });
    flush();
  }

  private suffix(trailing: string | undefined): string {
    return trailing !== undefined ? ' ' + trailing.trim() : '';
  }

  /** Prints an entry; for a one-line entry with a trailing comment returns its parts. */
  entry(indent: number, e: Entry): { line: number; code: string; comment: string } | null {
    const head = entryHead(e);
    const tail = this.suffix(e.trailingComment);
    const v = e.value;
    // a block or list keeps the shape it was written in: one line stays one line (when it fits
    // and holds no comment), several lines stay several lines
    const emptyBlock = v.kind === 'block' && v.entries.length === 0 && (v.trailingComments?.length ?? 0) === 0;
    const writtenOnOneLine = v.kind !== 'block' || emptyBlock || v.span.startLine === v.span.endLine;
    const one = writtenOnOneLine ? inline(v) : null;
    if (one !== null && INDENT.length * indent + head.length + one.length + tail.length <= MAX_WIDTH) {
      this.line(indent, head + one + tail);
      return e.trailingComment !== undefined ? { line: this.out.length - 1, code: head + one, comment: e.trailingComment.trim() } : null;
    }
    if (v.kind === 'block') {
      this.block(indent, head + (v.type !== null ? v.type + ' ' : ''), v, tail);
    } else if (v.kind === 'list') {
      this.list(indent, head, v.items, tail);
    } else {
      this.line(indent, head + (inline(v) ?? '') + tail);
    }
    return null;
  }

  block(indent: number, head: string, v: BlockValue, tail: string): void {
    // a comment at the end of the entry goes after the closing brace, where it parses back
    this.line(indent, head + '{');
    this.entries(indent + 1, v.entries);
    this.comments(indent + 1, v.trailingComments ?? []);
    this.line(indent, '}' + tail);
  }

  /**
   * A list that does not fit on one line. A list of plain items (names, numbers, strings…) keeps
   * the line grouping it was written with, each line filled up to the width (so
   * `[cpc3d, rpl3d, …,\n cpc2d, …]` stays two readable rows); otherwise one item per line. Every
   * line ends in a comma.
   */
  list(indent: number, head: string, items: readonly Value[], tail: string): void {
    this.line(indent, head + '[');
    const atoms = items.map((item) => (item.kind === 'list' || item.kind === 'block' ? null : inline(item)));
    if (items.length > 0 && atoms.every((a): a is string => a !== null)) {
      const room = MAX_WIDTH - INDENT.length * (indent + 1);
      let row = '';
      let rowLine = -1;
      items.forEach((item, i) => {
        const text = atoms[i]! + ',';
        const newSourceLine = rowLine !== -1 && item.span.startLine !== rowLine;
        if (row !== '' && (newSourceLine || row.length + 1 + text.length > room)) {
          this.line(indent + 1, row);
          row = '';
        }
        row = row === '' ? text : row + ' ' + text;
        rowLine = item.span.startLine;
      });
      if (row !== '') this.line(indent + 1, row);
      this.line(indent, ']' + tail);
      return;
    }
    for (const item of items) {
      const oneLine = item.kind !== 'block' || item.entries.length === 0 || item.span.startLine === item.span.endLine;
      const one = oneLine ? inline(item) : null;
      if (one !== null && INDENT.length * (indent + 1) + one.length + 1 <= MAX_WIDTH) {
        this.line(indent + 1, one + ',');
      } else if (item.kind === 'block') {
        this.block(indent + 1, item.type !== null ? item.type + ' ' : '', item, '');
        this.out[this.out.length - 1] += ',';
      } else if (item.kind === 'list') {
        this.list(indent + 1, '', item.items, '');
        this.out[this.out.length - 1] += ',';
      } else {
        this.line(indent + 1, (one ?? '') + ',');
      }
    }
    this.line(indent, ']' + tail);
  }
}

function importLine(i: Import): string {
  return `import ${quoteString(i.path)}${i.alias !== null ? ` as ${i.alias}` : ''}${i.trailingComment !== undefined ? ' ' + i.trailingComment.trim() : ''}`;
}

function declarationHead(d: Declaration): string {
  let s = d.kind;
  if (d.name) s += ' ' + d.name;
  if (d.type !== null) s += ' = ' + d.type;
  return s;
}

/** Canonical text of a document (see the rules at the top of this file). */
export function format(document: Document): string {
  const p = new Printer();
  document.imports.forEach((imp, i) => {
    if (i > 0 && imp.blankLineBefore) p.blank();
    p.comments(0, imp.comments);
    p.line(0, importLine(imp));
  });
  for (const d of document.declarations) {
    p.blank();
    p.comments(0, d.comments);
    const tail = d.trailingComment !== undefined ? ' ' + d.trailingComment.trim() : '';
    const hasBody = d.entries.length > 0 || (d.trailingComments?.length ?? 0) > 0;
    if (!hasBody) {
      p.line(0, `${declarationHead(d)} {}${tail}`);
      continue;
    }
    p.line(0, `${declarationHead(d)} {`);
    p.entries(1, d.entries);
    p.comments(1, d.trailingComments ?? []);
    p.line(0, '}' + tail);
  }
  if (document.trailingComments.length > 0) {
    p.blank();
    p.comments(0, document.trailingComments);
  }
  return p.text();
}
