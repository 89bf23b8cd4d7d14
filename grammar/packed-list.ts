// Long lists of plain numbers, packed (#17.11: a list of 800 000 numbers kept an object, a span
// and a string per number, ≈ 150 bytes for 5 characters of source, while the compiler turned it
// into JSON). A list of at least PACK_FROM items that are all plain numbers (`3`, `-0.5`, `1e-3`:
// no unit, no range, no malformed literal) keeps its values and their offsets in typed arrays
// (16 bytes per number). Its `items` is an own, enumerable property like any list's: the first
// read makes the NumberValues — exactly what the builder would have made — and keeps them, so
// the formatter, the language server and JSON.stringify see an ordinary list. The compiler reads
// the numbers and their spans without making them (`packedNumbers`).
import type { ListValue, NumberValue, Span, Value } from './ast.js';

/** Lists shorter than this are built as ordinary lists. */
export const PACK_FROM = 256;

/** The numbers of a packed list, their text and spans. */
export class PackedNumbers {
  constructor(
    readonly values: Float64Array,
    private readonly starts: Int32Array,
    private readonly ends: Int32Array,
    private readonly text: string,
    private readonly spanOf: (start: number, end: number) => Span,
  ) {}

  get length(): number {
    return this.values.length;
  }

  span(i: number): Span {
    return this.spanOf(this.starts[i]!, this.ends[i]!);
  }

  /** Item `i` as the AST builder makes a plain number. */
  item(i: number): NumberValue {
    const start = this.starts[i]!;
    const end = this.ends[i]!;
    return { kind: 'number', value: this.values[i]!, unit: null, raw: this.text.slice(start, end), span: this.spanOf(start, end) };
  }
}

const packedOf = new WeakMap<ListValue, PackedNumbers>();

/** A list value holding `packed` (see the top of this file). */
export function packedList(packed: PackedNumbers, span: Span): ListValue {
  // (`items` first declared as data keeps the key order of every list: kind, items, span)
  const list: ListValue = { kind: 'list', items: [], span };
  const settle = (items: Value[]): Value[] => {
    Object.defineProperty(list, 'items', { value: items, writable: true, enumerable: true, configurable: true });
    packedOf.delete(list);
    return items;
  };
  Object.defineProperty(list, 'items', {
    enumerable: true,
    configurable: true,
    get: () => settle(Array.from({ length: packed.length }, (_, i) => packed.item(i))),
    set: (items: Value[]) => void settle(items),
  });
  packedOf.set(list, packed);
  return list;
}

/** The packed numbers of a list whose items have not been made (read or set) yet. */
export function packedNumbers(list: ListValue): PackedNumbers | undefined {
  return packedOf.get(list);
}
