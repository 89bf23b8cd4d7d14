// Message templates of the catalogue: the placeholder grammar, its type-level twin and the
// renderer. A template is plain text with `{name}` placeholders and the plural rule
// `{name|s}` ('' when `name` is 1, else 's'). A value longer than MAX_PARAM_CHARS is cut,
// except in a placeholder written `{name|all}` (a list or a nested error message the caller
// already bounds, e.g. the first 20 bad cases of a dataset). Any other brace is literal text, e.g.
// "add slices { axis = axial }" or "expected '{'". The type `Placeholders` and the function
// `placeholders` read a template the same way: a placeholder is the text between a '}' and
// the last '{' before it, when that text is a name.

/** What a placeholder may be filled with (written as a template literal would write it). */
export type MessageParam = string | number | bigint | boolean | readonly (string | number)[];

type Name<P extends string> = P extends `${string}{${infer Q}` ? Name<Q> : P extends '' ? never : P extends `${string}${' ' | '{' | '|' | '.' | ',' | "'" | '=' | '…' | '*' | '-' | '/' | '"'}${string}` ? never : P;

/** The plain placeholder names of a template. */
export type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? (P extends `${infer N}|all` ? Name<N> : Name<P>) | Placeholders<Rest> : never;

/** The names used with the plural rule `{name|s}`. */
export type PluralPlaceholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}`
  ? (P extends `${infer N}|s` ? Name<N> : never) | PluralPlaceholders<Rest>
  : never;

/** The params object a template needs: every placeholder, plural ones as numbers. */
export type MessageParams<S extends string> = { readonly [K in Placeholders<S>]: MessageParam } & { readonly [K in PluralPlaceholders<S>]: number };

/** The rest arguments of `msg` for a template: none when it has no placeholder. */
export type ParamsArgs<S extends string> = [Placeholders<S> | PluralPlaceholders<S>] extends [never] ? [] : [params: MessageParams<S>];

export interface Placeholder {
  name: string;
  plural: boolean;
  /** `{name|all}`: never cut. */
  whole: boolean;
}

/** A brace group's name and modifier ('' for a plain placeholder), or null when it is literal text. */
function parse(inner: string): { name: string; mod: '' | 's' | 'all' } | null {
  const m = /^([A-Za-z_$][A-Za-z0-9_$]*)(?:\|(s|all))?$/.exec(inner);
  return m ? { name: m[1]!, mod: (m[2] ?? '') as '' | 's' | 'all' } : null;
}

/** The placeholders of a template, in order (a name may repeat). */
export function placeholders(template: string): Placeholder[] {
  const out: Placeholder[] = [];
  for (const m of template.matchAll(/\{([^{}]*)\}/g)) {
    const p = parse(m[1]!);
    if (p) out.push({ name: p.name, plural: p.mod === 's', whole: p.mod === 'all' });
  }
  return out;
}

/** A value longer than this is cut in a message (a 1 MB string value must not make a 1 MB line). */
export const MAX_PARAM_CHARS = 300;

function clip(text: string): string {
  if (text.length <= MAX_PARAM_CHARS) return text;
  return `${text.slice(0, MAX_PARAM_CHARS - 60)}… (${text.length} characters)`;
}

/** The template with its placeholders filled (a value is written as `${value}` would write it, cut past MAX_PARAM_CHARS unless `{name|all}`). */
export function renderMessage(template: string, params: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{([^{}]*)\}/g, (whole, inner: string) => {
    const p = parse(inner);
    if (!p || !(p.name in params)) return whole;
    const v = params[p.name];
    if (p.mod === 's') return v === 1 ? '' : 's';
    return p.mod === 'all' ? String(v) : clip(String(v));
  });
}
