// The diagnostics catalogue of docs/language.md, generated from core/codes/compiler.ts.
import { codes } from '../core/codes/compiler.js';
import { severityText } from '../core/codes/info.js';

export function codesMarkdown(): string {
  const rows = codes.map((c) => {
    const first = c.explanation.split('\n\n')[0]!.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
    return `| ${c.code} | ${severityText(c)} | ${c.title} | ${first} |`;
  });
  return ['| code | severity | title | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

const BEGIN = /<!-- codes:begin[^>]*-->\n/;
const END = '<!-- codes:end -->';

/** `doc` with the text between the codes markers replaced by the current catalogue. */
export function withCodes(doc: string): string {
  const m = BEGIN.exec(doc);
  const end = doc.indexOf(END);
  if (!m || end < 0) return doc;
  return doc.slice(0, m.index + m[0].length) + codesMarkdown() + '\n' + doc.slice(end);
}
