// What a dataset layout contributes to the compiler: its block schema (the keys of
// `dataset NAME = TYPE { … }`) and how a checked block becomes the graph's DataSource plus the
// facts the shared dataset lowering needs (channels, dimension, label kind, default classes and
// regions, channel names). One file per layout in this folder, registered in `index.ts`.
import type { CodedMessage } from '../../core/codes/index.js';
import type { DataSource, Dim } from '../../core/graph.js';
import type { Schema } from '../schemas/common.js';
import type { JsonObject } from '../values.js';

export interface LayoutInput {
  /** The validated block. */
  json: JsonObject;
  /** A path written in the declaring file, made relative to the experiment file's folder. */
  rebase(path: string): string;
  /** A size at a JSON pointer with `dims` dimensions (a located error and null otherwise). */
  sizeAt(pointer: string, dims: Dim): number[] | null;
  /** A located error at the value under a JSON pointer of the block. */
  error(m: CodedMessage, pointer: string): void;
}

export interface LoweredLayout {
  source: DataSource;
  /** Image channels before preprocessing selects any. */
  rawChannels: number;
  /** Shape known without reading files (phantoms); null otherwise. */
  nativeShape?: number[] | null;
  /** Default 3. */
  dim?: Dim;
  /** Default 'segmentation'. */
  labelKind?: 'segmentation' | 'classification' | 'none';
  defaultClasses?: number[] | null;
  defaultRegions?: Record<string, number[]> | null;
  /** What identifies the data for the data node's hash; default: the source. */
  fingerprint?: unknown;
  /** Channel names when the block declares none (BraTS modalities, the phantoms' contrasts). */
  channelNames?: string[] | null;
}

export interface DatasetLayout {
  schema: Schema;
  /** The hint of SSL049 when an unlabelled dataset of this layout declares regions. */
  noLabelsHint?: string;
  lower(input: LayoutInput): LoweredLayout;
}
