// The `.ssl` grammar as a Chevrotain CST parser with error recovery. Built once per process
// (module-level singleton): self-analysis costs a few milliseconds, parsing is then linear.
//
//   document    := ( import | declaration | entry | stray )*     (a top-level entry is an error)
//   import      := 'import' STRING? ( 'as' NAME )? token*   (tokens on the same line: errors)
//   declaration := KIND NAME? ( '=' TYPE )? block
//   block       := '{' ( entry | ',' | ';' | junk )* '}'
//   entry       := KEY '='? value?                     key = v  |  key { … }  |  key LABEL { … }
//   value       := number | SIZE | STRING | reference | list | block
//   number      := NUMBER ( '..' NUMBER ( 'step' NUMBER )? )? UNIT?
//   reference   := NAME ( '.' NAME )* block?              a dotted path, or a typed block `adam { … }`
//   list        := '[' ( value | ',' | junk token )* ']'
//
// `junk` (inside blocks and lists) and `stray` (at the top level) consume tokens that cannot
// start anything there, so that an error never throws the parser out of the enclosing block:
// the AST builder reports them, merged per line. A missing value is likewise accepted by the
// grammar and reported by the builder.
//
// The grammar is deliberately permissive where that gives better messages: a missing `=`, a
// missing declaration name, doubled or missing separators are all parsed, and the AST builder
// reports them with a precise location instead of the generic "unexpected token".

import type { CstNode, IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { chevrotain } from './chevrotain.js';
import {
  allTokens,
  Comma,
  Dot,
  DotDot,
  Equals,
  Ident,
  LBrace,
  LBracket,
  NumberLit,
  RBrace,
  RBracket,
  Semicolon,
  SizeLit,
  StringLit,
  UNIT_WORDS,
} from './lexer.js';

const { CstParser } = chevrotain;

const unitWords = new Set(UNIT_WORDS);

/** What the parser expected, passed from the error-message provider to the diagnostics mapper
 *  as JSON inside the exception message. */
export interface ParseErrorInfo {
  kind: 'mismatch' | 'noViableAlt' | 'earlyExit' | 'notAllInput';
  /** Labels of the token types that would have been accepted. */
  expected: string[];
  /** Token type names (not labels) that would have been accepted. */
  expectedNames: string[];
  rule: string;
}

function namesOf(types: TokenType[]): { labels: string[]; names: string[] } {
  const labels: string[] = [];
  const names: string[] = [];
  for (const t of types) {
    const label = t.LABEL ?? t.name;
    if (!labels.includes(label)) labels.push(label);
    if (!names.includes(t.name)) names.push(t.name);
  }
  return { labels, names };
}

const messageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, ruleName }) {
    const n = namesOf([expected]);
    return JSON.stringify({ kind: 'mismatch', expected: n.labels, expectedNames: n.names, rule: ruleName } satisfies ParseErrorInfo);
  },
  buildNotAllInputParsedMessage({ ruleName }) {
    return JSON.stringify({ kind: 'notAllInput', expected: [], expectedNames: [], rule: ruleName } satisfies ParseErrorInfo);
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, ruleName }) {
    const firsts: TokenType[] = [];
    for (const alt of expectedPathsPerAlt) for (const path of alt) if (path[0]) firsts.push(path[0]);
    const n = namesOf(firsts);
    return JSON.stringify({ kind: 'noViableAlt', expected: n.labels, expectedNames: n.names, rule: ruleName } satisfies ParseErrorInfo);
  },
  buildEarlyExitMessage({ expectedIterationPaths, ruleName }) {
    const firsts: TokenType[] = [];
    for (const path of expectedIterationPaths) if (path[0]) firsts.push(path[0]);
    const n = namesOf(firsts);
    return JSON.stringify({ kind: 'earlyExit', expected: n.labels, expectedNames: n.names, rule: ruleName } satisfies ParseErrorInfo);
  },
};

const bracketTypes = new Set<TokenType>([LBrace, RBrace, LBracket, RBracket]);

const notResyncPoints = new Set<TokenType>([Dot, DotDot, Equals, NumberLit, SizeLit, StringLit, LBracket, RBracket]);

function sameLine(prev: IToken, next: IToken): boolean {
  const end = prev.endLine ?? prev.startLine;
  return next.startLine !== undefined && end !== undefined && next.startLine === end;
}

export class SslParser extends CstParser {
  /** `validate` runs Chevrotain's grammar checks (ambiguities, left recursion, …). They cost
   *  tens of milliseconds at start-up, so the shared instance skips them and a test runs them. */
  constructor(options: { validate?: boolean } = {}) {
    super(allTokens, {
      recoveryEnabled: true,
      // LL(2) suffices (the grammar checks in test/grammar pass with it) and saves ~4 ms of
      // start-up in performSelfAnalysis compared with 3
      maxLookahead: 2,
      nodeLocationTracking: 'onlyOffset',
      errorMessageProvider: messageProvider,
      skipValidations: !options.validate,
    });
    this.performSelfAnalysis();
    // Re-synchronisation after an error skips ahead to the first token that may follow one of
    // the rules being parsed. Because `stray` lets almost any token follow a declaration, that
    // would be almost any token, and one bad value would throw the parser out of its block to
    // the top level. Only names, separators and braces are useful places to resume, so the
    // follow set used for re-synchronisation is restricted to those. (Chevrotain internal;
    // if it ever disappears we merely lose this refinement.)
    const self = this as unknown as { flattenFollowSet?: () => TokenType[] };
    const original = self.flattenFollowSet;
    if (typeof original === 'function') {
      self.flattenFollowSet = () => original.call(this).filter((t) => !notResyncPoints.has(t));
    }
  }

  public document = this.RULE('document', () => {
    this.MANY(() => {
      this.OR([
        {
          // `seed = 42` outside any declaration: parse it as an entry to report it well
          // (but `dataset = phantom3d { … }` is a declaration that lacks its name)
          GATE: () => this.LA(2).tokenType === Equals && !(this.LA(3).tokenType === Ident && this.LA(4).tokenType === LBrace),
          ALT: () => this.SUBRULE(this.entry),
          IGNORE_AMBIGUITIES: true,
        },
        {
          // `import …`, or `WORD "path"` (a misspelt import keyword)
          GATE: () => this.LA(1).image === 'import' || this.LA(2).tokenType === StringLit,
          ALT: () => this.SUBRULE(this.importStmt),
          IGNORE_AMBIGUITIES: true,
        },
        { ALT: () => this.SUBRULE(this.declaration) },
        { ALT: () => this.SUBRULE(this.stray) },
      ]);
    });
  });

  public importStmt = this.RULE('importStmt', () => {
    const keyword = this.CONSUME(Ident, { LABEL: 'keyword' });
    this.OPTION(() => this.CONSUME(StringLit, { LABEL: 'path' }));
    this.OPTION2({
      GATE: () => this.LA(1).image === 'as' && this.LA(2).tokenType === Ident,
      DEF: () => {
        this.CONSUME2(Ident, { LABEL: 'as' });
        this.CONSUME3(Ident, { LABEL: 'alias' });
      },
    });
    // anything else on the import's line (an unquoted path, a misspelt `as`) is reported
    this.MANY({
      GATE: () => sameLine(keyword, this.LA(1)) && !bracketTypes.has(this.LA(1).tokenType),
      DEF: () => {
        this.OR2([
          { ALT: () => this.CONSUME4(Ident, { LABEL: 'rest' }) },
          { ALT: () => this.CONSUME2(StringLit, { LABEL: 'rest' }) },
          { ALT: () => this.CONSUME(NumberLit, { LABEL: 'rest' }) },
          { ALT: () => this.CONSUME(SizeLit, { LABEL: 'rest' }) },
          { ALT: () => this.CONSUME(Dot, { LABEL: 'rest' }) },
          { ALT: () => this.CONSUME(DotDot, { LABEL: 'rest' }) },
          { ALT: () => this.CONSUME(Equals, { LABEL: 'rest' }) },
          { ALT: () => this.CONSUME(Comma, { LABEL: 'rest' }) },
          { ALT: () => this.CONSUME(Semicolon, { LABEL: 'rest' }) },
        ]);
      },
    });
  });

  public declaration = this.RULE('declaration', () => {
    this.CONSUME(Ident, { LABEL: 'kind' });
    this.OPTION(() => this.CONSUME2(Ident, { LABEL: 'name' }));
    // `= TYPE`; a missing `=` (`dataset ukb phantom3d {`) is accepted and reported by the builder
    this.OPTION2(() => {
      this.OPTION3(() => this.CONSUME(Equals));
      this.CONSUME3(Ident, { LABEL: 'type' });
    });
    this.SUBRULE(this.block);
  });

  /** Tokens that cannot start anything at the top level; consumed so parsing can go on. */
  public stray = this.RULE('stray', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.block) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.CONSUME(RBrace) },
      { ALT: () => this.CONSUME(RBracket) },
      { ALT: () => this.CONSUME(Comma) },
      { ALT: () => this.CONSUME(Semicolon) },
      { ALT: () => this.CONSUME(Equals) },
      { ALT: () => this.CONSUME(Dot) },
      { ALT: () => this.CONSUME(DotDot) },
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.CONSUME(SizeLit) },
      { ALT: () => this.CONSUME(StringLit) },
      // a lone word that starts nothing (`foo` then `}` or the end of the file)
      { ALT: () => this.CONSUME(Ident), IGNORE_AMBIGUITIES: true },
    ]);
  });

  public block = this.RULE('block', () => {
    this.CONSUME(LBrace);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.entry) },
        { ALT: () => this.CONSUME(Comma, { LABEL: 'separator' }) },
        { ALT: () => this.CONSUME(Semicolon, { LABEL: 'separator' }) },
        { ALT: () => this.SUBRULE(this.junk) },
      ]);
    });
    this.CONSUME(RBrace);
  });

  /** Tokens that cannot start an entry, consumed inside a block so that one bad token does not
   *  end the block; the AST builder reports them. */
  public junk = this.RULE('junk', () => {
    this.OR([
      { ALT: () => this.CONSUME(Equals) },
      { ALT: () => this.CONSUME(Dot) },
      { ALT: () => this.CONSUME(DotDot) },
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.CONSUME(SizeLit) },
      { ALT: () => this.CONSUME(StringLit) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.block) },
    ]);
  });

  public entry = this.RULE('entry', () => {
    const key = this.CONSUME(Ident, { LABEL: 'key' });
    let equals: IToken | null = null;
    this.OPTION(() => {
      equals = this.CONSUME(Equals);
    });
    // The value may be missing (reported by the AST builder). Without `=` it must start on the
    // key's line or be a block (`key { … }`, `key LABEL { … }`); after `=` a name on a later
    // line that itself starts an entry (`name =`, `name {`, `name LABEL {`) is the next entry.
    this.OPTION2({
      GATE: () => {
        const next = this.LA(1);
        if (equals === null) return next.tokenType === LBrace || sameLine(key, next);
        if (next.tokenType !== Ident || sameLine(equals, next)) return true;
        const t2 = this.LA(2).tokenType;
        return !(t2 === Equals || t2 === LBrace || (t2 === Ident && this.LA(3).tokenType === LBrace));
      },
      DEF: () => this.SUBRULE(this.value),
    });
  });

  public value = this.RULE('value', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.number) },
      { ALT: () => this.CONSUME(SizeLit) },
      { ALT: () => this.CONSUME(StringLit) },
      { ALT: () => this.SUBRULE(this.reference) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.block) },
    ]);
  });

  public number = this.RULE('number', () => {
    this.CONSUME(NumberLit, { LABEL: 'from' });
    this.OPTION(() => {
      this.CONSUME(DotDot);
      this.CONSUME2(NumberLit, { LABEL: 'to' });
      this.OPTION2({
        GATE: () => this.LA(1).image === 'step' && this.LA(2).tokenType === NumberLit,
        DEF: () => {
          this.CONSUME(Ident, { LABEL: 'stepKeyword' });
          this.CONSUME3(NumberLit, { LABEL: 'step' });
        },
      });
    });
    // `25 epochs`: a unit word on the same line, unless it starts the next entry (`epochs = 3`)
    this.OPTION3({
      GATE: () => {
        const next = this.LA(1);
        const after = this.LA(2).tokenType;
        return unitWords.has(next.image) && after !== Equals && after !== LBrace && sameLine(this.LA(0), next);
      },
      DEF: () => this.CONSUME2(Ident, { LABEL: 'unit' }),
    });
  });

  public reference = this.RULE('reference', () => {
    this.CONSUME(Ident, { LABEL: 'segment' });
    this.MANY(() => {
      this.CONSUME(Dot);
      this.CONSUME2(Ident, { LABEL: 'segment' });
    });
    this.OPTION(() => this.SUBRULE(this.block));
  });

  public list = this.RULE('list', () => {
    this.CONSUME(LBracket);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.value) },
        { ALT: () => this.CONSUME(Comma, { LABEL: 'separator' }) },
        // not list items; consumed and reported by the AST builder
        { ALT: () => this.CONSUME(Equals, { LABEL: 'junk' }) },
        { ALT: () => this.CONSUME(Semicolon, { LABEL: 'junk' }) },
        { ALT: () => this.CONSUME(Dot, { LABEL: 'junk' }) },
        { ALT: () => this.CONSUME(DotDot, { LABEL: 'junk' }) },
      ]);
    });
    this.CONSUME(RBracket);
  });
}

/** The one parser instance (Chevrotain parsers are reusable: set `input`, call a rule). */
export const sslParser = new SslParser();

export function parseTokens(tokens: IToken[]): { cst: CstNode; errors: SslParser['errors'] } {
  sslParser.input = tokens;
  const cst = sslParser.document();
  return { cst, errors: sslParser.errors };
}
