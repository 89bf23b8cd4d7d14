// The catalogue of compiler diagnostics (SSL020–SSL099): names, schemas, units and the domain
// checks done before any compute. `ssl3d explain SSL0NN` prints the long form; docs/language.md
// lists them. Codes are stable: never renumber, only add. The entries live in three files by
// sub-range; this list keeps their order (the order of docs/language.md's table).

import type { CodeInfo } from './info.js';
import { codes as checks } from './compiler-checks.js';
import { codes as more } from './compiler-more.js';
import { codes as names } from './compiler-names.js';

export const codes = [...names, ...checks, ...more] as const satisfies readonly CodeInfo[];
