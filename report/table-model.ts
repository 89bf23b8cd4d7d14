// The model of a result table: columns, cells (mean, sd, Δ, best, collapse flags), rows.
import type { Arm, TableSpec } from '../core/graph.js';
import type { Summary } from '../runtime/eval/protocol.js';
import type { Collapse } from './collapse.js';

export interface Column {
  /** Column header as printed. */
  label: string;
  /** Metric key the values come from. */
  key: string;
  /** For fraction columns. */
  fraction: number | null;
}

export interface Cell {
  summary: Summary;
  /** Mean minus the scratch row's mean (same column, same fraction), in display units; null when not applicable. */
  delta: number | null;
  best: boolean;
  /** Repetitions that collapsed on this column's metric (Dice/IoU 0 on every scored test case); kept in the summary. */
  collapsed: Array<{ repetition: number } & Collapse>;
}

export interface Row {
  label: string;
  method: string;
  arm: Arm;
  fraction: number | null;
  cells: Cell[];
}

export interface TableModel {
  name: string;
  title: string;
  rowHeader: string;
  columns: Column[];
  rows: Row[];
  aggregate: TableSpec['aggregate'];
  deltaVsScratch: boolean;
  notes: string[];
}
