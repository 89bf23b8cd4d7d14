// Seeded mutants of `.ssl` texts, for tests that two ways of parsing must agree on broken input:
// each mutant is one of the bases with 1 to `maxEdits` edits (a piece inserted, a few characters
// deleted, a slice of the text copied elsewhere), the same for the same seed.
export function* seededMutants(
  bases: ReadonlyArray<readonly [string, string]>,
  count: number,
  pieces: readonly string[],
  maxEdits: number,
  seed = 20261205,
): Generator<{ name: string; text: string; m: number }> {
  let state = seed;
  const rand = (n: number): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  for (let m = 0; m < count; m++) {
    const [name, base] = bases[m % bases.length]!;
    let text = base;
    for (let k = 1 + rand(maxEdits); k > 0; k--) {
      const at = rand(text.length);
      const op = rand(3);
      if (op === 0) text = text.slice(0, at) + pieces[rand(pieces.length)]! + text.slice(at);
      else if (op === 1) text = text.slice(0, at) + text.slice(at + 1 + rand(8));
      else text = text.slice(0, at) + text.slice(rand(text.length), rand(text.length)) + text.slice(at);
    }
    yield { name, text, m };
  }
}
