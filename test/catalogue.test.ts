// The typed diagnostic catalogue (core/codes/): every message a diagnostic or runtime error
// carries is a template of its code's entry, built with msg(code, key, params). These tests
// read the catalogue and the source text: templates are well-formed, every message is used and
// every use exists, severities match the call sites, and no call site writes a message inline.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainText } from '../cli/commands/explain.js';
import { Diagnostics, fileSpan } from '../compiler/diag.js';
import { allCodes, findCode, msg } from '../core/codes/index.js';
import { placeholders, renderMessage } from '../core/codes/message.js';
import { SslRuntimeError } from '../core/errors.js';


function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts') && !p.endsWith('.generated.ts')) out.push(p.split('\\').join('/'));
  }
  return out;
}
const ALL = ['core', 'grammar', 'compiler', 'runtime', 'report', 'cli'].flatMap(sources).filter((f) => !f.startsWith('core/codes/'));
const text = new Map(ALL.map((f) => [f, readFileSync(f, 'utf8')]));

/** Every `msg('SSLnnn', 'key'` in the sources, as 'SSLnnn.key' → files. */
function uses(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [f, t] of text) for (const m of t.matchAll(/\bmsg\(\s*'(SSL\d{3})',\s*'(\w+)'/g)) out.set(`${m[1]}.${m[2]}`, [...(out.get(`${m[1]}.${m[2]}`) ?? []), f]);
  return out;
}

/** Source lines (comments left out) with their file and number. */
function lines(files: string[]): { f: string; n: number; l: string }[] {
  return files.flatMap((f) =>
    (text.get(f) ?? '')
      .split('\n')
      .map((l, i) => ({ f, n: i + 1, l }))
      .filter(({ l }) => !/^\s*(\/\/|\*|\/\*)/.test(l)),
  );
}

describe('the typed catalogue', () => {
  it('has well-formed templates: each brace group is a {name}, {name|s} or {name|all} placeholder, or literal text with a space', () => {
    const bad: string[] = [];
    for (const c of allCodes()) {
      for (const [key, t] of Object.entries(c.messages ?? {})) {
        if (!/^[a-z][A-Za-z0-9]*$/.test(key)) bad.push(`${c.code}.${key}: key is not a camelCase name`);
        if (t.trim() === '' || t !== t.trim()) bad.push(`${c.code}.${key}: empty or padded template`);
        for (const m of t.matchAll(/\{([^{}]*)\}/g)) {
          if (!/^[A-Za-z_$][A-Za-z0-9_$]*(\|s|\|all)?$/.test(m[1]!) && !/\s/.test(m[1]!)) bad.push(`${c.code}.${key}: '${m[0]}' is neither a placeholder nor literal text`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('has no dead message: every key is used by a call site, and every call site names a listed key', () => {
    const used = uses();
    const listed = allCodes().flatMap((c) => Object.keys(c.messages ?? {}).map((k) => `${c.code}.${k}`));
    expect(listed.filter((k) => !used.has(k))).toEqual([]);
    expect([...used.keys()].filter((k) => !listed.includes(k))).toEqual([]);
    expect(listed.length).toBeGreaterThan(150);
    // codes with no message: SSL153, SSL185, SSL187 have no emitter today (codes are never
    // renumbered, so they stay listed); SSL202 is printed by native/build.mjs at install time,
    // before any TypeScript runs
    expect(allCodes().filter((c) => Object.keys(c.messages ?? {}).length === 0).map((c) => c.code)).toEqual(['SSL153', 'SSL185', 'SSL187', 'SSL202']);
    expect(readFileSync('native/build.mjs', 'utf8')).toContain('[SSL202]');
  });

  it('gives each code the severity its call sites report it at', () => {
    const wrong: string[] = [];
    for (const { f, n, l } of lines(ALL)) {
      // how the line reports: a diagnostic's error()/warning(), a thrown SslRuntimeError, an
      // executor event's type, a report or data-loading warning, a debug note
      const at = /\.warning\(|type: 'warning'|onWarning|warnings\.push|`warning \$\{/.test(l)
        ? 'warning'
        : /\.error\(|SslRuntimeError\(|type: 'error'/.test(l)
          ? 'error'
          : /SSL3D_NATIVE_DEBUG|ssl3d native \[/.test(l)
            ? 'info'
            : null;
      if (!at) continue;
      for (const m of l.matchAll(/\bmsg\(\s*'(SSL\d{3})'/g)) {
        const c = findCode(m[1]!)!;
        if (c.severity !== at && c.alsoSeverity !== at) wrong.push(`${f}:${n}: ${m[1]} reported as ${at}, catalogue says ${c.severity}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(allCodes().filter((c) => c.severity === 'warning').length).toBeGreaterThan(10);
  });

  it('no call site writes a message inline beside an SSL code', () => {
    // allowed: the code as msg's first argument, a comparison, a type, and these lines
    const allowed: Record<string, RegExp> = {
      'grammar/syntax-diagnostics.ts': /const STRUCTURAL = new Set\(\['SSL/, // codes that mark a structural parse error
      'compiler/index.ts': /sslCode: 'SSL091' as const/, // a reader's refusal (RefusedRead)
      'cli/commands/run.ts': /\?\? 'SSL098';$/, // the code printed for a graph file JSON.parse rejects (its text is the parser's)
    };
    const offenders = lines(ALL)
      .filter(({ f, l }) => !(allowed[f]?.test(l) ?? false))
      .map(({ f, n, l }) => ({ f, n, rest: l.replace(/\bmsg\(\s*'SSL\d{3}'/g, '').replace(/[!=]==\s*'SSL\d{3}'/g, '').replace(/CodedMessage<'SSL\d{3}'>|:\s*'SSL\d{3}';/g, '') }))
      // a code as a string of its own, or at the head of a message text (`SSL182 …`, `SSL173: …`, `[SSL206]`)
      .filter(({ rest }) => /'SSL\d{3}'|[`'"[]SSL\d{3}[ :\]]/.test(rest))
      .map(({ f, n, rest }) => `${f}:${n}: ${rest.trim()}`);
    expect(offenders).toEqual([]);
  });

  it('renders a template: placeholders filled as a template literal would, the plural rule, literal braces kept', () => {
    expect(renderMessage("expected '{' before {found}, {n} case{n|s} ({list}) { x }", { found: "'='", n: 2, list: [1, 2] })).toBe("expected '{' before '=', 2 cases (1,2) { x }");
    expect(renderMessage('{n} case{n|s}', { n: 1 })).toBe('1 case');
    expect(placeholders("expected '{' to open the body, found {found}; {n|s} {a b}")).toEqual([
      { name: 'found', plural: false, whole: false },
      { name: 'n', plural: true, whole: false },
    ]);
    const m = msg('SSL060', 'channelDoesNotExist', { ch: 4, dataset: 'lab', count: 2, last: 1 });
    expect(m).toEqual({ code: 'SSL060', message: 'channel 4 does not exist: dataset lab has 2 channels (0…1)' });
    const d = new Diagnostics();
    d.warning(msg('SSL067', 'unused', { kind: 'encoder', name: 'e' }), fileSpan('x.ssl'), 'remove it');
    expect(d.list).toEqual([{ code: 'SSL067', severity: 'warning', message: 'encoder e is declared but never used', span: fileSpan('x.ssl'), hint: 'remove it' }]);
    expect(() => msg('SSL060', 'nope' as 'channelDoesNotExist', { ch: 4, dataset: 'lab', count: 2, last: 1 })).toThrow(/no message 'nope' for SSL060/);
  });

  it('makes an unknown code, message key or placeholder a type error (tsc --noEmit checks this file)', () => {
    // never called: `tsc --noEmit` (part of npm test) fails if any marked line type-checks
    const typeErrors = (d: Diagnostics): void => {
      // @ts-expect-error a raw code and message: messages come from the catalogue
      d.error('SSL020', 'unknown declaration kind', fileSpan('x.ssl'));
      // @ts-expect-error SSL999 is not a catalogue code
      msg('SSL999', 'x');
      // @ts-expect-error SSL060 has no message 'noSuchChannel'
      msg('SSL060', 'noSuchChannel', { ch: 4, dataset: 'lab', count: 2, last: 1 });
      // @ts-expect-error the placeholder {last} is missing
      msg('SSL060', 'channelDoesNotExist', { ch: 4, dataset: 'lab', count: 2 });
      // @ts-expect-error a misspelt placeholder
      msg('SSL060', 'channelDoesNotExist', { ch: 4, datset: 'lab', count: 2, last: 1 });
      // @ts-expect-error a plural placeholder takes a number
      msg('SSL060', 'channelDoesNotExist', { ch: 4, dataset: 'lab', count: '2', last: 1 });
      // @ts-expect-error a template without placeholders takes no params
      msg('SSL072', 'hd95EmptyUnused', { x: 1 });
      // @ts-expect-error a runtime error takes a catalogue message too
      void new SslRuntimeError('SSL170', 'no run record');
    };
    expect(typeof typeErrors).toBe('function');
  });

  it("docs/architecture.md's touch-point list for a diagnostic names the catalogue files, msg and the tests", () => {
    const doc = readFileSync('docs/architecture.md', 'utf8');
    const start = doc.indexOf('**A diagnostic code**');
    const para = doc.slice(start, doc.indexOf('\n\n', start));
    const split = readdirSync('core/codes').filter((f) => /^compiler-.+\.ts$/.test(f));
    expect(split.length).toBeGreaterThan(1);
    for (const f of split) expect(para).toContain(`core/codes/${f}`);
    for (const s of ['core/codes/<range>.ts', "msg('SSL0NN', 'key'", "new SslRuntimeError(msg('SSL1NN'", 'test/catalogue.test.ts', 'test/compiler/diagnostics.test.ts', 'UPDATE_DOCS=1']) expect(para).toContain(s);
  });

  it('ssl3d explain shows the severity and every message form', () => {
    const out = explainText(findCode('SSL071')!);
    expect(out).toMatch(/^SSL071: crop threshold does not fit the intensity window\nseverity: warning\n/);
    for (const t of Object.values(findCode('SSL071')!.messages ?? {})) expect(out).toContain(t);
  });
});
