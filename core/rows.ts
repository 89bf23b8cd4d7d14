// Small helpers for data kept as rows of numbers instead of objects (#17.11: tokens and flood
// diagnostics of big files): growing typed arrays, and numbering strings.

/** A copy of `a` in an array of twice its length (at least 16). */
export function doubled<T extends Int32Array | Uint8Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(16, a.length * 2));
  b.set(a);
  return b;
}

/** Numbers for strings (equal text, equal number), and the text of a number. */
export class Interner {
  private readonly ids = new Map<string, number>();
  readonly texts: string[] = [];

  id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(text, id);
      this.texts.push(text);
    }
    return id;
  }
}
