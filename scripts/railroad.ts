// Generates docs/railroad.html: railroad (syntax) diagrams of the `.ssl` grammar, drawn from
// the Chevrotain parser itself so they can never drift from it. Chevrotain's generator links
// its drawing scripts from a CDN; we inline them from the installed package instead, so the
// page works offline.
//
//   npm run railroad            write docs/railroad.html
//   npm run railroad -- --check exit 1 if docs/railroad.html is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chevrotain } from '../grammar/chevrotain.js';
import { sslParser } from '../grammar/parser.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const railroadPath = join(root, 'docs', 'railroad.html');

function diagramsDir(): string {
  const require = createRequire(import.meta.url);
  // <pkg>/lib/src/api.js → <pkg>/diagrams
  return join(dirname(require.resolve('chevrotain')), '..', '..', 'diagrams');
}

const intro = `
<h1 style="font-family: sans-serif">The <code>.ssl</code> grammar</h1>
<p style="font-family: sans-serif; max-width: 50em">
Generated from the parser in <code>grammar/parser.ts</code> by <code>npm run railroad</code>; do not edit.
Read <code>docs/syntax.md</code> for the lexical rules (numbers, units, sizes, strings, comments) and
examples. Some paths are accepted only to give a precise error: an entry at the top level
(<code>document → entry</code>), a missing <code>=</code> (<code>entry</code>, <code>declaration</code>), a
missing declaration name, and stray tokens (<code>stray</code>).
</p>
`;

export function railroadHtml(): string {
  const BASE = '@@BASE@@/';
  const CSS = '@@CSS@@';
  let html = chevrotain.createSyntaxDiagramsCode(sslParser.getSerializedGastProductions(), { resourceBase: BASE, css: CSS });
  const dir = diagramsDir();
  html = html.replace(`<link rel='stylesheet' href='${CSS}'>`, () => `<style>\n${readFileSync(join(dir, 'diagrams.css'), 'utf8')}\n</style>`);
  html = html.replace(/<script src='@@BASE@@\/([^']+)'><\/script>/g, (_m, rel: string) => `<script>\n${readFileSync(join(dir, rel), 'utf8')}\n</script>`);
  html = html.replace('<div id="diagrams"', () => `${intro}<div id="diagrams"`);
  // the generator leaves trailing spaces; keep the file clean and stable
  return html.replace(/[ \t]+$/gm, '').trimStart();
}

async function main(): Promise<number> {
  const html = railroadHtml();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(railroadPath, 'utf8');
    } catch {
      // missing: out of date
    }
    if (current !== html) {
      process.stderr.write('docs/railroad.html is out of date: run npm run railroad\n');
      return 1;
    }
    return 0;
  }
  writeFileSync(railroadPath, html);
  process.stdout.write(`wrote ${railroadPath} (${html.length} bytes)\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main();
}
