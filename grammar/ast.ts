// The AST of an `.ssl` file: the contract between grammar/ and compiler/.
//
// The language is a small block language. A file is a list of imports and declarations;
// a declaration is `KIND NAME [= TYPE] { entries }` (e.g. `dataset ukb = phantom3d { ... }`),
// an entry is `key = value` or a nested block `key [TYPE] { entries }`.
// Values are numbers with optional units (`10%`, `25 epochs`, `1e-3`), sizes (`128x128x128`),
// strings, identifiers (keywords or references to declarations), lists and ranges.
// The parser keeps every span so that the compiler can point at the exact offending text.

export type { Span } from '../core/span.js';
import type { Span } from '../core/span.js';

export type Value =
  | NumberValue
  | SizeValue
  | StringValue
  | IdentValue
  | BoolValue
  | ListValue
  | RangeValue
  | BlockValue;

/** `3`, `1e-3`, `10%` (unit '%', value 10), `25 epochs` (unit 'epochs'), `2 mm`. */
export interface NumberValue {
  kind: 'number';
  value: number;
  /** The unit as written (`%`, `epochs`, `steps`, `mm`, `voxels`, …) or null. */
  unit: string | null;
  /** The literal text as written, for the formatter. */
  raw: string;
  span: Span;
  /** Set when the literal was malformed (SSL006 already reported): checks skip the value. */
  malformed?: true;
}

/** `128x128x128`, `224x224`. */
export interface SizeValue {
  kind: 'size';
  dims: number[];
  span: Span;
  /** Set when the literal was malformed (SSL007 already reported): checks skip the value. */
  malformed?: true;
}

export interface StringValue {
  kind: 'string';
  value: string;
  span: Span;
}

/** A bare word: a keyword value (`residual`, `adam`) or a reference to a declaration (`ukb`).
 *  Dotted paths (`brats.regions.ET`) are kept as segments. */
export interface IdentValue {
  kind: 'ident';
  name: string;
  path: string[];
  span: Span;
}

export interface BoolValue {
  kind: 'bool';
  value: boolean;
  span: Span;
}

export interface ListValue {
  kind: 'list';
  items: Value[];
  span: Span;
}

/** `1..4` or `0.1..1.0 step 0.1` */
export interface RangeValue {
  kind: 'range';
  from: NumberValue;
  to: NumberValue;
  step: NumberValue | null;
  span: Span;
}

/** An inline block used as a value: `preprocess { resize = 64x64x64 }` or `{ ET = [4] }`. */
export interface BlockValue {
  kind: 'block';
  /** Optional type word before the brace (`adam { lr = 1e-3 }`). */
  type: string | null;
  typeSpan: Span | null;
  entries: Entry[];
  span: Span;
  /** Comments just before the closing `}` (kept for `fmt`). */
  trailingComments?: string[];
}

export interface Entry {
  key: string;
  keySpan: Span;
  value: Value;
  span: Span;
  /** Comments attached above this entry (kept for `fmt`). Each is the comment as written,
   *  marker included (`// …`, `# …`, `/* … *\/`); an empty string marks a blank line between
   *  comments or between the last comment and the entry. */
  comments: string[];
  /** A comment on the same line after the entry (`a = 1 // note`), as written. */
  trailingComment?: string;
  /** True when written with `=` (`key = value`, `key = adam { … }`); absent for `key { … }`
   *  and `key LABEL { … }`. Only `fmt` looks at it. */
  equals?: boolean;
  /** An empty line separated this entry from the previous one (kept, at most one, by `fmt`). */
  blankLineBefore?: boolean;
}

export interface Declaration {
  /** `experiment`, `dataset`, `encoder`, `pretext`, `finetune`, `evaluate`, `sweep`, `report`, … */
  kind: string;
  kindSpan: Span;
  name: string;
  nameSpan: Span;
  /** `dataset ukb = phantom3d { … }` → 'phantom3d'; null when absent. */
  type: string | null;
  typeSpan: Span | null;
  entries: Entry[];
  span: Span;
  comments: string[];
  /** Comments just before the closing `}` of the body (kept for `fmt`). */
  trailingComments?: string[];
  /** A comment on the same line after the closing `}`. */
  trailingComment?: string;
}

export interface Import {
  path: string;
  /** `import "common.ssl" as common` → 'common'; null when absent. */
  alias: string | null;
  span: Span;
  comments: string[];
  trailingComment?: string;
  blankLineBefore?: boolean;
}

export interface Document {
  file: string;
  imports: Import[];
  declarations: Declaration[];
  /** Comments after the last declaration. */
  trailingComments: string[];
  /** Set when the parser gave up on the file (nesting limit, internal failure): the file's own
   *  error says so, and checks that need its declarations (SSL036) stay silent. */
  abandoned?: true;
}
