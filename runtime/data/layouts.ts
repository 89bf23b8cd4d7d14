// Dataset layouts: turn a DataSource into a list of cases, each with its files and a loader.
import type { DatasetSpec } from '../../compiler/graph.js';
import { SslRuntimeError } from '../contract.js';
import type { Case } from './types.js';

export interface CaseSource {
  id: string;
  /** Every input file of the case (hashed for the cache key), image channels first. */
  files: string[];
  labelFile?: string | null;
  /** Class label from a CSV, if any. */
  grade?: number | null;
  /** What decides how the files are read (part of the cache key). */
  reader: Record<string, unknown>;
  /** Decode the raw (not yet preprocessed) case. */
  load(): Promise<Case>;
}

export async function resolveCases(spec: DatasetSpec, baseDir: string): Promise<CaseSource[]> {
  void baseDir;
  throw new SslRuntimeError('SSL110', `dataset ${spec.name}: layout ${spec.source.kind} is not implemented yet`);
}
