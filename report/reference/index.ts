// Published reference tables shipped as data (report/reference/*.json), printed beside ours.

import table1 from './taleb2020-table1.json' with { type: 'json' };

export interface ReferenceTable {
  /** Citation of the table. */
  source: string;
  /** The data the published numbers come from. */
  dataset: string;
  /** Unit of the values: 'dice_percent' = Dice × 100. */
  metric: string;
  /** Column names, each a region of our metrics (`ET` ↔ `dice_ET`). */
  columns: string[];
  rows: Array<{ model: string } & Record<string, number | string>>;
}

const tables: Record<string, ReferenceTable> = {
  'taleb2020-table1': table1 as unknown as ReferenceTable,
};

export function referenceNames(): string[] {
  return Object.keys(tables);
}

export function loadReference(name: string): ReferenceTable | null {
  return tables[name] ?? null;
}

/** The published row that corresponds to one of our methods (same name, or our scratch arm). */
export function referenceRow(ref: ReferenceTable, method: string, arm: string, dim: 2 | 3 | null): ReferenceTable['rows'][number] | null {
  const norm = (s: string): string => s.toLowerCase().replace(/[\s_]+/g, '-');
  const exact = ref.rows.find((r) => norm(r.model) === norm(method));
  if (exact) return exact;
  if (arm === 'scratch') {
    const want = dim === 2 ? '2d-from-scratch' : '3d-from-scratch';
    return ref.rows.find((r) => norm(r.model) === want) ?? null;
  }
  return null;
}
