// The pretext-task registry of the graph contract: one line per task, in the order the language
// lists them. `TaskName` and `TaskParams` (core/graph.ts) are read from it, and so are the
// graph JSON Schema's task list and parameter schemas (core/graph-schema.ts, built when it
// loads). The compiler's registry (compiler/tasks/index.ts) and the runtime's (RUNTIME_TASKS in
// runtime/tasks/tasks.ts) are typed over TaskName, so a task registered here and missing there
// does not compile.
import { cpcContract } from './cpc.js';
import type { ParamsOf, TaskContract } from './contract.js';
import { exemplarContract } from './exemplar.js';
import { jigsawContract } from './jigsaw.js';
import { rotationContract } from './rotation.js';
import { rplContract } from './rpl.js';

/** Each entry's parameters must say `task: <its key>` (a task filed under another name does not compile). */
function registry<T extends { [K in keyof T]: TaskContract<{ task: K & string }> }>(table: T): T {
  return table;
}

export const TASK_CONTRACTS = registry({ cpc: cpcContract, rpl: rplContract, jigsaw: jigsawContract, rotation: rotationContract, exemplar: exemplarContract });

export type TaskName = keyof typeof TASK_CONTRACTS;
export type TaskParams = { [K in TaskName]: ParamsOf<(typeof TASK_CONTRACTS)[K]> }[TaskName];

/** The task names, in registry order (read at call time, so a test may register a fake task first). */
export function taskNames(): TaskName[] {
  return Object.keys(TASK_CONTRACTS) as TaskName[];
}
