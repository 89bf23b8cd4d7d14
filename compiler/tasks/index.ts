// The pretext-task registry of the compiler: one entry per `pretext NAME = TYPE` type, in the
// order the language lists them. The block schemas (compiler/schemas/blocks.ts pretextSchemas,
// hence the generated validators, the editor and the SSL021 list of types), the checks (the
// pretext checker compiler/check/pretext.ts), method titles and the cost estimate (compiler/cost.ts) read it.
// The tfjs side is runtime/tasks/tasks.ts TASKS.
import type { TaskName } from '../../core/graph.js';
import { cpc } from './cpc.js';
import { exemplar } from './exemplar.js';
import { jigsaw } from './jigsaw.js';
import { rotation } from './rotation.js';
import { rpl } from './rpl.js';
import type { PretextTaskDef } from './types.js';

export type { HeadBuilder, HeadContext, PretextTaskDef, TaskCheckInput } from './types.js';

/** Every task; a TaskName without an entry is a type error. */
export const PRETEXT_TASKS: { [K in TaskName]: PretextTaskDef<Extract<import('../../core/graph.js').TaskParams, { task: K }>> } = { cpc, rpl, jigsaw, rotation, exemplar };

/** The registry entry of a task name (a PretextSpec's `task`), typed loosely for callers holding a TaskParams. */
export function pretextTask(name: string): PretextTaskDef | undefined {
  return Object.prototype.hasOwnProperty.call(PRETEXT_TASKS, name) ? (PRETEXT_TASKS[name as TaskName] as unknown as PretextTaskDef) : undefined;
}
