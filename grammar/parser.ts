// The `.ssl` grammar as a Chevrotain parser with error recovery. Built once per process
// (module-level singleton): self-analysis costs a few milliseconds, parsing is then linear.
//
// The rules build a lean parse tree (ParseNode: the rule name and its tokens and sub-nodes in
// text order, each with the label it was consumed under) instead of Chevrotain's CST, whose
// per-node dictionaries cost ~350 bytes per token. Each top-level item (declaration, import, …)
// is handed to `onItem` as soon as it is parsed, so the AST builder turns it into AST and its
// tree is garbage long before the end of a big file (#17.11); so are list items (`onListItem`)
// and a block's entries (`onEntry`), which the builder may build at once or leave in the tree.
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

import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { chevrotain } from './chevrotain.js';
import { allTokens, Comma, Dot, DotDot, Equals, Ident, LBrace, LBracket, NumberLit, RBrace, RBracket, Semicolon, SizeLit, StringLit, UNIT_WORDS } from './lexer.js';
import type { TokenTable } from './tokens.js';
import type { Entry, Value } from './ast.js';
import { NO_KIDS, put, putToken, type ParseNode } from './parse-node.js';

export { isBuilt, isBuiltEntry, isParseNode, isRealToken, type Built, type ParseNode } from './parse-node.js';

const { EmbeddedActionsParser, isRecognitionException, EOF } = chevrotain;

const unitWords = new Set(UNIT_WORDS);

// Options objects of the hot rules, made once (an object literal per call was garbage per token).
const [SEPARATOR, KEY, JUNK, SEGMENT, FROM, UNIT] = ['separator', 'key', 'junk', 'segment', 'from', 'unit'].map((LABEL) => ({ LABEL }));

/** Chevrotain's end-of-input token (what its LA gives past the last token). */
const END_OF_FILE: IToken = Object.freeze(chevrotain.createTokenInstance(EOF, '', NaN, NaN, NaN, NaN, NaN, NaN));

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

/** The line of an offset, for the same-line gates (the tokens carry offsets only). */
export interface LineOf {
  lineOf(offset: number): number;
}

export class SslParser extends EmbeddedActionsParser {
  /** `validate` runs Chevrotain's grammar checks (ambiguities, left recursion, …). They cost
   *  tens of milliseconds at start-up, so the shared instance skips them and a test runs them. */
  constructor(options: { validate?: boolean } = {}) {
    super(allTokens, {
      recoveryEnabled: true,
      // LL(2) suffices (the grammar checks in test/grammar pass with it) and saves ~4 ms of
      // start-up in performSelfAnalysis compared with 3
      maxLookahead: 2,
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

  /** The tokens being parsed (#17.11: kept compactly; a token object is made only for the
   *  tokens the parser looks at, see `LA`). */
  private table: TokenTable | null = null;

  get busy(): boolean {
    return this.table !== null;
  }

  /** Parses `tokens` from the start with `rule` (then lets go of them). */
  parseTokens<T>(tokens: TokenTable, rule: () => T): T {
    // resets the parser's state (errors, position); the token vector itself stays empty
    this.input = [];
    this.insideJunk = 0;
    (this as unknown as { tokVectorLength: number }).tokVectorLength = tokens.length;
    this.table = tokens;
    try {
      return rule();
    } finally {
      this.table = null;
      this.input = [];
      this.lastNode = undefined;
    }
  }

  // Chevrotain reads the token vector only through these two ("can be overridden to implement
  // lazy lexers"); past the end both give the EOF token, as its padding does.
  protected override LA(howMuch: number): IToken {
    return this.LA_FAST(howMuch);
  }

  protected override LA_FAST(howMuch: number): IToken {
    const i = (this as unknown as { currIdx: number }).currIdx + howMuch;
    return (i >= 0 ? this.table?.at(i) : undefined) ?? END_OF_FILE;
  }

  /** Where the same-line gates look lines up; set by `parse` for each text. */
  lines: LineOf | null = null;
  /** Receives each top-level item (importStmt, declaration, entry, stray) as it is parsed. */
  onItem: ((item: ParseNode) => void) | null = null;
  /** Turns a list item that parsed without an error into AST right away, or answers null to
   *  keep its ParseNode (#17.11: a list of 200 000 numbers then never holds 200 000 parse trees). */
  onListItem: ((value: ParseNode) => Value | IToken | null) | null = null;
  /** The same for an entry of a block (`block`: the block's node, its entries so far in it;
   *  `declaration`: the offset where the enclosing declaration starts, NaN outside one). */
  onEntry: ((entry: ParseNode, block: ParseNode, declaration: number) => Entry | null) | null = null;
  private declarationStart = NaN;
  /** How many `junk` / `stray` rules are being parsed: what they hold is reported as tokens,
   *  never built, so no list item under them is built early either. */
  private insideJunk = 0;
  /** The node of the rule that ended last (returned, partial, when a rule recovers). */
  private lastNode: ParseNode | undefined = undefined;
  /** The node of the rule being parsed (undefined while Chevrotain records the grammar). The
   *  alternatives of the hot rules (block, entry, value, list, number, reference) read it
   *  instead of closing over their node, so they are made once (#17.11: an array of
   *  alternatives and a closure each per rule call were a third of what parsing allocated). */
  private cur: ParseNode | undefined = undefined;
  /** An entry's key and `=` for its value gate (read before anything nested is parsed). */
  private entryKey: IToken | null = null;
  private entryEquals: IToken | null = null;

  /** A grammar rule that builds its ParseNode (`n` is undefined while Chevrotain records the
   *  grammar). A rule that fails and re-synchronises returns its partial node, as a CST parser
   *  returns its partial CST node. */
  private rule(name: string, impl: (n: ParseNode | undefined) => void): () => ParseNode {
    const make = (): ParseNode => ({ name, kids: NO_KIDS, locStart: NaN, locEnd: NaN, recovered: false });
    const skipped = name === 'junk' || name === 'stray';
    return this.RULE(
      name,
      () => {
        const n = this.ACTION(make);
        const outer = this.cur;
        this.cur = n;
        if (skipped) this.insideJunk++;
        try {
          impl(n);
        } finally {
          if (skipped) this.insideJunk--;
          this.lastNode = n;
          this.cur = outer;
        }
        return n!;
      },
      {
        recoveryValueFunc: () => {
          this.lastNode!.recovered = true;
          return this.lastNode!;
        },
      },
    );
  }

  /** A sub-rule whose node is added under `label` (label '' hands it to `onItem`); when the
   *  sub-rule fails without recovering, its partial node is added before the error goes on up
   *  (a CST parser does the same with `partialCstResult`). */
  private sub(n: ParseNode | undefined, label: string, call: () => ParseNode): void {
    const node = this.subNode(n, label, call);
    if (node !== undefined) this.add(n!, label, node);
  }

  /** `sub` without adding the node (undefined while recording). */
  private subNode(n: ParseNode | undefined, label: string, call: () => ParseNode): ParseNode | undefined {
    let node: ParseNode;
    try {
      node = call();
    } catch (e) {
      const partial = this.lastNode;
      if (n !== undefined && partial !== undefined && isRecognitionException(e as Error)) {
        partial.recovered = true;
        this.add(n, label, partial);
      }
      throw e;
    }
    return n === undefined ? undefined : node;
  }

  // sub-rule calls, made once
  private readonly subEntry = (): ParseNode => this.SUBRULE(this.entry);
  private readonly subValue = (): ParseNode => this.SUBRULE(this.value);
  private readonly subNumber = (): ParseNode => this.SUBRULE(this.number);
  private readonly subReference = (): ParseNode => this.SUBRULE(this.reference);
  private readonly subList = (): ParseNode => this.SUBRULE(this.list);
  private readonly subBlock = (): ParseNode => this.SUBRULE(this.block);
  private readonly subJunk = (): ParseNode => this.SUBRULE(this.junk);

  private add(n: ParseNode, label: string, node: ParseNode): void {
    if (label === '') this.onItem?.(node);
    else put(n, label, node);
  }

  /** Parser errors so far (Chevrotain's `errors` getter copies the list). */
  errorCount(): number {
    return (this as unknown as { _errors: unknown[] })._errors.length;
  }

  /** A list item (a value) or a block's entry, handed to `onListItem` / `onEntry` when it parsed cleanly. */
  private early(n: ParseNode | undefined, label: 'value' | 'entry', call: () => ParseNode): void {
    const errors = n === undefined ? 0 : this.errorCount();
    const node = this.subNode(n, label, call);
    if (node === undefined) return;
    const clean = this.insideJunk === 0 && !node.recovered && this.errorCount() === errors;
    put(n, label, (clean ? (label === 'value' ? this.onListItem?.(node) : this.onEntry?.(node, n!, this.declarationStart)) : null) ?? node);
  }

  /** Junk in a block: a single token is added as the token itself, without a node of its own
   *  (#17.11: a block of 500 000 stray tokens kept a node and an array for each). */
  private junkIn(n: ParseNode | undefined): void {
    const node = this.subNode(n, 'junk', this.subJunk);
    if (node === undefined) return;
    if (!node.recovered && node.kids.length === 2 && typeof node.kids[1] === 'number') putToken(n!, 'junk', node);
    else put(n, 'junk', node);
  }

  private sameLine(prev: IToken, next: IToken): boolean {
    if (!Number.isFinite(prev.startOffset) || !Number.isFinite(next.startOffset) || this.lines === null) return false;
    // significant tokens never contain a line break, so a token's end is on its start's line
    return this.lines.lineOf(prev.startOffset) === this.lines.lineOf(next.startOffset);
  }

  public document = this.rule('document', (n) => {
    this.MANY(() => {
      this.declarationStart = NaN;
      this.OR([
        {
          // `seed = 42` outside any declaration: parse it as an entry to report it well
          // (but `dataset = phantom3d { … }` is a declaration that lacks its name)
          GATE: () => this.LA(2).tokenType === Equals && !(this.LA(3).tokenType === Ident && this.LA(4).tokenType === LBrace),
          ALT: () => this.sub(n, '', () => this.SUBRULE(this.entry)),
          IGNORE_AMBIGUITIES: true,
        },
        {
          // `import …`, or `WORD "path"` (a misspelt import keyword)
          GATE: () => this.LA(1).image === 'import' || this.LA(2).tokenType === StringLit,
          ALT: () => this.sub(n, '', () => this.SUBRULE(this.importStmt)),
          IGNORE_AMBIGUITIES: true,
        },
        { ALT: () => this.sub(n, '', () => this.SUBRULE(this.declaration)) },
        { ALT: () => this.sub(n, '', () => this.SUBRULE(this.stray)) },
      ]);
    });
  });

  public importStmt = this.rule('importStmt', (n) => {
    const keyword = this.CONSUME(Ident, { LABEL: 'keyword' });
    put(n, 'keyword', keyword);
    this.OPTION(() => put(n, 'path', this.CONSUME(StringLit, { LABEL: 'path' })));
    this.OPTION2({
      GATE: () => this.LA(1).image === 'as' && this.LA(2).tokenType === Ident,
      DEF: () => {
        put(n, 'as', this.CONSUME2(Ident, { LABEL: 'as' }));
        put(n, 'alias', this.CONSUME3(Ident, { LABEL: 'alias' }));
      },
    });
    // anything else on the import's line (an unquoted path, a misspelt `as`) is reported
    this.MANY({
      GATE: () => this.sameLine(keyword, this.LA(1)) && !bracketTypes.has(this.LA(1).tokenType),
      DEF: () => {
        this.OR2([
          { ALT: () => put(n, 'rest', this.CONSUME4(Ident, { LABEL: 'rest' })) },
          { ALT: () => put(n, 'rest', this.CONSUME2(StringLit, { LABEL: 'rest' })) },
          { ALT: () => put(n, 'rest', this.CONSUME(NumberLit, { LABEL: 'rest' })) },
          { ALT: () => put(n, 'rest', this.CONSUME(SizeLit, { LABEL: 'rest' })) },
          { ALT: () => put(n, 'rest', this.CONSUME(Dot, { LABEL: 'rest' })) },
          { ALT: () => put(n, 'rest', this.CONSUME(DotDot, { LABEL: 'rest' })) },
          { ALT: () => put(n, 'rest', this.CONSUME(Equals, { LABEL: 'rest' })) },
          { ALT: () => put(n, 'rest', this.CONSUME(Comma, { LABEL: 'rest' })) },
          { ALT: () => put(n, 'rest', this.CONSUME(Semicolon, { LABEL: 'rest' })) },
        ]);
      },
    });
  });

  public declaration = this.rule('declaration', (n) => {
    const kind = this.CONSUME(Ident, { LABEL: 'kind' });
    put(n, 'kind', kind);
    this.declarationStart = kind.startOffset;
    this.OPTION(() => put(n, 'name', this.CONSUME2(Ident, { LABEL: 'name' })));
    // `= TYPE`; a missing `=` (`dataset ukb phantom3d {`) is accepted and reported by the builder
    this.OPTION2(() => {
      this.OPTION3(() => put(n, 'Equals', this.CONSUME(Equals)));
      put(n, 'type', this.CONSUME3(Ident, { LABEL: 'type' }));
    });
    this.sub(n, 'block', () => this.SUBRULE(this.block));
  });

  /** Alternatives for the tokens that start no entry and no declaration (`stray`, `junk`);
   *  each consumed under its token type's name. */
  private strayTokens(n: ParseNode | undefined): Array<{ ALT: () => void }> {
    return [Equals, Dot, DotDot, NumberLit, SizeLit, StringLit].map((type) => ({ ALT: () => put(n, type.name, this.CONSUME(type)) }));
  }

  /** Tokens that cannot start anything at the top level; consumed so parsing can go on. */
  public stray = this.rule('stray', (n) => {
    this.OR([
      { ALT: () => this.sub(n, 'block', () => this.SUBRULE(this.block)) },
      { ALT: () => this.sub(n, 'list', () => this.SUBRULE(this.list)) },
      { ALT: () => put(n, 'RBrace', this.CONSUME(RBrace)) },
      { ALT: () => put(n, 'RBracket', this.CONSUME(RBracket)) },
      { ALT: () => put(n, 'Comma', this.CONSUME(Comma)) },
      { ALT: () => put(n, 'Semicolon', this.CONSUME(Semicolon)) },
      ...this.strayTokens(n),
      // a lone word that starts nothing (`foo` then `}` or the end of the file)
      { ALT: () => put(n, 'Ident', this.CONSUME(Ident)), IGNORE_AMBIGUITIES: true },
    ]);
  });

  private readonly blockAlts = [
    { ALT: () => this.early(this.cur, 'entry', this.subEntry) },
    { ALT: () => put(this.cur, 'separator', this.CONSUME(Comma, SEPARATOR)) },
    { ALT: () => put(this.cur, 'separator', this.CONSUME(Semicolon, SEPARATOR)) },
    { ALT: () => this.junkIn(this.cur) },
  ];
  private readonly blockItem = (): void => this.OR(this.blockAlts);
  public block = this.rule('block', (n) => {
    put(n, 'LBrace', this.CONSUME(LBrace));
    this.MANY(this.blockItem);
    put(n, 'RBrace', this.CONSUME(RBrace));
  });

  /** Tokens that cannot start an entry, consumed inside a block so that one bad token does not
   *  end the block; the AST builder reports them. */
  public junk = this.rule('junk', (n) => {
    this.OR([
      ...this.strayTokens(n),
      { ALT: () => this.sub(n, 'list', () => this.SUBRULE(this.list)) },
      { ALT: () => this.sub(n, 'block', () => this.SUBRULE(this.block)) },
    ]);
  });

  private readonly entryEqualsSign = (): void => {
    this.entryEquals = this.CONSUME(Equals);
    put(this.cur, 'Equals', this.entryEquals);
  };
  // The value may be missing (reported by the AST builder). Without `=` it must start on the
  // key's line or be a block (`key { … }`, `key LABEL { … }`); after `=` a name on a later
  // line that itself starts an entry (`name =`, `name {`, `name LABEL {`) is the next entry.
  private readonly entryValue = {
    GATE: (): boolean => {
      const key = this.entryKey!;
      const equals = this.entryEquals;
      const next = this.LA(1);
      if (equals === null) return next.tokenType === LBrace || this.sameLine(key, next);
      if (next.tokenType !== Ident || this.sameLine(equals, next)) return true;
      const t2 = this.LA(2).tokenType;
      return !(t2 === Equals || t2 === LBrace || (t2 === Ident && this.LA(3).tokenType === LBrace));
    },
    DEF: (): void => this.sub(this.cur, 'value', this.subValue),
  };
  public entry = this.rule('entry', (n) => {
    const key = this.CONSUME(Ident, KEY);
    put(n, 'key', key);
    this.entryEquals = null;
    this.OPTION(this.entryEqualsSign);
    // (read by the gate at once, before a nested entry sets them again)
    this.entryKey = key;
    this.OPTION2(this.entryValue);
  });

  private readonly valueAlts = [
    { ALT: () => this.sub(this.cur, 'number', this.subNumber) },
    { ALT: () => put(this.cur, 'SizeLit', this.CONSUME(SizeLit)) },
    { ALT: () => put(this.cur, 'StringLit', this.CONSUME(StringLit)) },
    { ALT: () => this.sub(this.cur, 'reference', this.subReference) },
    { ALT: () => this.sub(this.cur, 'list', this.subList) },
    { ALT: () => this.sub(this.cur, 'block', this.subBlock) },
  ];
  public value = this.rule('value', () => this.OR(this.valueAlts));

  private readonly numberStep = {
    GATE: (): boolean => this.LA(1).image === 'step' && this.LA(2).tokenType === NumberLit,
    DEF: (): void => {
      put(this.cur, 'stepKeyword', this.CONSUME(Ident, { LABEL: 'stepKeyword' }));
      put(this.cur, 'step', this.CONSUME3(NumberLit, { LABEL: 'step' }));
    },
  };
  private readonly numberRange = (): void => {
    put(this.cur, 'DotDot', this.CONSUME(DotDot));
    put(this.cur, 'to', this.CONSUME2(NumberLit, { LABEL: 'to' }));
    this.OPTION2(this.numberStep);
  };
  // `25 epochs`: a unit word on the same line, unless it starts the next entry (`epochs = 3`)
  private readonly numberUnit = {
    GATE: (): boolean => {
      const next = this.LA(1);
      const after = this.LA(2).tokenType;
      return unitWords.has(next.image) && after !== Equals && after !== LBrace && this.sameLine(this.LA(0), next);
    },
    DEF: (): void => put(this.cur, 'unit', this.CONSUME2(Ident, UNIT)),
  };

  public number = this.rule('number', (n) => {
    put(n, 'from', this.CONSUME(NumberLit, FROM));
    this.OPTION(this.numberRange);
    this.OPTION3(this.numberUnit);
  });

  private readonly referenceSegment = (): void => {
    put(this.cur, 'Dot', this.CONSUME(Dot));
    put(this.cur, 'segment', this.CONSUME2(Ident, SEGMENT));
  };
  private readonly referenceBlock = (): void => this.sub(this.cur, 'block', this.subBlock);
  public reference = this.rule('reference', (n) => {
    put(n, 'segment', this.CONSUME(Ident, SEGMENT));
    this.MANY(this.referenceSegment);
    this.OPTION(this.referenceBlock);
  });

  private readonly listAlts = [
    { ALT: () => this.early(this.cur, 'value', this.subValue) },
    { ALT: () => put(this.cur, 'separator', this.CONSUME(Comma, SEPARATOR)) },
    // not list items; consumed and reported by the AST builder
    { ALT: () => put(this.cur, 'junk', this.CONSUME(Equals, JUNK)) },
    { ALT: () => put(this.cur, 'junk', this.CONSUME(Semicolon, JUNK)) },
    { ALT: () => put(this.cur, 'junk', this.CONSUME(Dot, JUNK)) },
    { ALT: () => put(this.cur, 'junk', this.CONSUME(DotDot, JUNK)) },
  ];
  private readonly listItemOr = (): void => this.OR(this.listAlts);
  public list = this.rule('list', (n) => {
    put(n, 'LBracket', this.CONSUME(LBracket));
    this.MANY(this.listItemOr);
    put(n, 'RBracket', this.CONSUME(RBracket));
  });
}

/** The one parser instance (Chevrotain parsers are reusable: set `input`, call a rule). */
export const sslParser = new SslParser();
