// The dataset-layout registry of the graph contract: one entry per layout with its DataSource
// type, its JSON Schema and whether its cases come from files (and which reader) or are
// generated. The graph's DataSource union (core/graph.ts), the graph JSON Schema's source
// branches (core/graph-schema.ts) and the runtime's file layouts (LAYOUTS in
// runtime/data/layouts.ts, typed over the kinds that read files) are read from it; the compiler's
// registry (compiler/layouts/index.ts) is typed over its kinds, so a layout registered here and
// missing there does not compile. Runtime (inputs, verification, evaluation on the original label
// grids) and reports read the facts instead of listing kinds.
import { en, int, intArr, nullable, num, str, type JsonSchema } from './json-schema.js';

export type Modality = 't1' | 't1ce' | 't2' | 'flair';

export interface NiftiSource {
  kind: 'nifti';
  /** One glob per channel, relative to the experiment file's folder (resolved by the runtime). */
  images: string[];
  /** Label glob, or null for unlabelled data. Cases are matched by sorted order. */
  labels: string | null;
}

export interface BratsSource {
  kind: 'brats';
  root: string;
  modalities: Modality[];
}

export interface DecathlonSource {
  kind: 'decathlon';
  root: string;
  /** sub-folder of images: 'imagesTr' */
  imagesDir: string;
  labelsDir: string | null;
}

export interface NnunetSource {
  kind: 'nnunet';
  root: string;
  channels: number[];
}

export interface ImagesSource {
  kind: 'images';
  root: string;
  /** CSV with `id_code,diagnosis` (APTOS 2019); null for unlabelled folders. */
  csv: string | null;
  idColumn: string;
  labelColumn: string;
  extensions: string[];
}

export interface Phantom3dSource {
  kind: 'phantom3d';
  /** 'brain' (BraTS-like tumours, labels 1,2,4) or 'pancreas' (CT organ 1 + tumour 2). */
  anatomy: 'brain' | 'pancreas';
  cases: number;
  channels: number;
  size: [number, number, number];
  labelled: boolean;
  /**
   * Fraction of cases with a tumour. Defaults: unlabelled brain corpora 1 % (a population
   * cohort such as UK Biobank rarely has one), labelled brain sets 100 %, pancreas 80 %.
   */
  tumourRate?: number;
}

export interface Phantom2dSource {
  kind: 'phantom2d';
  cases: number;
  channels: number;
  size: [number, number];
  labelled: boolean;
}

export type LayoutFiles = 'nifti' | 'images' | null;

export interface LayoutContract<S extends { kind: string }, F extends LayoutFiles = LayoutFiles> {
  /** 'nifti': medical volumes with scanner geometry; 'images': 2D pictures; null: generated. */
  readonly files: F;
  /** JSON Schema of each DataSource field beyond `kind`. */
  readonly source: Readonly<Record<string, JsonSchema>>;
  /** Fields that may be absent (graphs compiled before they existed keep their hashes). */
  readonly optional: readonly string[];
  /** Type only: the DataSource member this contract describes (never set). */
  readonly sourceType?: S;
}

function layout<S extends { kind: string }>() {
  return <F extends LayoutFiles>(files: F, source: Record<string, JsonSchema>, optional: readonly string[] = []): LayoutContract<S, F> => ({ files, source, optional });
}

/** Each entry's source must say `kind: <its key>` (a layout filed under another name does not compile). */
function registry<T extends { [K in keyof T]: LayoutContract<{ kind: K & string }> }>(table: T): T {
  return table;
}

const strings: JsonSchema = { type: 'array', items: str };

/** Every layout, in the order the language lists them. */
export const LAYOUT_FACTS = registry({
  nifti: layout<NiftiSource>()('nifti', { images: { ...strings, minItems: 1 }, labels: nullable(str) }),
  brats: layout<BratsSource>()('nifti', { root: str, modalities: { type: 'array', items: en('t1', 't1ce', 't2', 'flair'), minItems: 1 } }),
  decathlon: layout<DecathlonSource>()('nifti', { root: str, imagesDir: str, labelsDir: nullable(str) }),
  nnunet: layout<NnunetSource>()('nifti', { root: str, channels: intArr(1) }),
  images: layout<ImagesSource>()('images', { root: str, csv: nullable(str), idColumn: str, labelColumn: str, extensions: strings }),
  phantom3d: layout<Phantom3dSource>()(
    null,
    { anatomy: en('brain', 'pancreas'), cases: int(1), channels: int(1), size: intArr(3, 3), labelled: { type: 'boolean' }, tumourRate: { ...num, minimum: 0, maximum: 1 } },
    ['tumourRate'],
  ),
  phantom2d: layout<Phantom2dSource>()(null, { cases: int(1), channels: int(1), size: intArr(2, 2), labelled: { type: 'boolean' } }),
});

type Facts = typeof LAYOUT_FACTS;
export type LayoutKind = keyof Facts;
type SourceOf<C> = C extends LayoutContract<infer S> ? S : never;
export type DataSource = { [K in LayoutKind]: SourceOf<Facts[K]> }[LayoutKind];
/** The kinds whose cases are generated (files: null), and those read from files. */
export type SyntheticKind = { [K in LayoutKind]: Facts[K]['files'] extends null ? K : never }[LayoutKind];
export type FileKind = Exclude<LayoutKind, SyntheticKind>;
export type SyntheticSource = Extract<DataSource, { kind: SyntheticKind }>;

/** The layout kinds, in registry order (read at call time, so a test may register a fake layout first). */
export function layoutKinds(): LayoutKind[] {
  return Object.keys(LAYOUT_FACTS) as LayoutKind[];
}

/** Generated data (the phantoms): no files, no input signature. */
export function isSynthetic(src: DataSource): src is SyntheticSource {
  return LAYOUT_FACTS[src.kind].files === null;
}

/** NIfTI volumes on disk, with the scanner geometry of their original label grids. */
export function readsNifti(src: DataSource): boolean {
  return LAYOUT_FACTS[src.kind].files === 'nifti';
}
