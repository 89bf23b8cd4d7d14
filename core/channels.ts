// Pairing the input channels of a pretrained encoder with those of the fine-tuning data, by
// modality name (pure: the compiler runs the same function to warn before a run).

/** Which pretrained channel each fine-tuning channel takes, and how it was chosen. */
export interface ChannelMapping {
  /** sources[j] = the pretrained channel that fine-tuning channel j copies. */
  sources: number[];
  /** 'name': every channel paired by modality; 'order': j mod C (names missing or not matching). */
  by: 'name' | 'order';
  /** Human-readable pairs, e.g. ['t1 ← t1', 't1ce ← t1', 't2 ← flair', 'flair ← flair']. */
  pairs: string[];
  /** Fine-tuning channels whose name found no pretrained partner (why `by` is 'order'). */
  unmatched: string[];
}

/**
 * Modality families: a fine-tuning channel with no pretrained channel of its own name takes one
 * of its family (T1-weighted: t1 → t1, t1ce; T2-weighted: flair → flair, t2). Names are compared
 * case-insensitively with '-', '_' and spaces dropped.
 */
export const MODALITY_FAMILIES: readonly (readonly string[])[] = [
  ['t1', 't1ce', 't1c', 't1gd', 't1w', 't1post', 't1contrast'],
  ['flair', 't2flair', 't2', 't2w'],
  ['ct'],
];

function normName(n: string): string {
  return n.toLowerCase().replace(/[-_\s]/g, '');
}

/**
 * Pair the C′ fine-tuning channels with the C pretrained ones. By name when both lists are known
 * and every fine-tuning channel finds a partner (its own name first, else a member of its
 * modality family, the family's first listed member preferred); otherwise by order, j mod C.
 * The compiler runs the same function and warns (SSL074) when it falls back to order.
 */
export function channelMapping(fromChannels: number, toChannels: number, fromNames?: readonly string[] | null, toNames?: readonly string[] | null): ChannelMapping {
  const byOrder = (unmatched: string[]): ChannelMapping => {
    const sources = Array.from({ length: toChannels }, (_, j) => j % fromChannels);
    const label = (names: readonly string[] | null | undefined, i: number): string => names?.[i] ?? `#${i}`;
    return { sources, by: 'order', pairs: sources.map((s, j) => `${label(toNames, j)} ← ${label(fromNames, s)}`), unmatched };
  };
  if (!fromNames || !toNames || fromNames.length !== fromChannels || toNames.length !== toChannels) return byOrder([]);
  const from = fromNames.map(normName);
  const family = (n: string): readonly string[] | undefined => MODALITY_FAMILIES.find((f) => f.includes(n));
  const sources: number[] = [];
  const unmatched: string[] = [];
  toNames.forEach((raw) => {
    const n = normName(raw);
    let s = from.indexOf(n);
    if (s < 0) {
      const fam = family(n);
      if (fam) {
        const cands = from.map((f, i) => ({ i, r: fam.indexOf(f) })).filter((x) => x.r >= 0).sort((a, b) => a.r - b.r);
        if (cands.length > 0) s = cands[0]!.i;
      }
    }
    if (s < 0) unmatched.push(raw);
    sources.push(s);
  });
  if (unmatched.length > 0) return byOrder(unmatched);
  return { sources, by: 'name', pairs: sources.map((s, j) => `${toNames[j]} ← ${fromNames[s]}`), unmatched: [] };
}
