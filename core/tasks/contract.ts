// What the graph contract knows of a pretext task: the TypeScript type of its parameters and
// their JSON Schema, declared together in the task's own file (core/tasks/<name>.ts) and
// registered in TASK_CONTRACTS (core/tasks/index.ts). The graph's TaskName and TaskParams
// unions and the graph JSON Schema's task list are read from that registry.
import type { JsonSchema } from '../json-schema.js';

export interface TaskContract<P extends { task: string }> {
  /** JSON Schema of each parameter beyond `task`. */
  readonly params: Readonly<Record<string, JsonSchema>>;
  /** Parameters that may be absent (graphs compiled before they existed keep their hashes). */
  readonly optional: readonly string[];
  /** Type only: the parameters this contract describes (never set). */
  readonly paramsType?: P;
}

/** The contract of a task whose parameters are `P` (the schema of everything but `task`). */
export function taskContract<P extends { task: string }>(params: Record<string, JsonSchema>, optional: readonly string[] = []): TaskContract<P> {
  return { params, optional };
}

export type ParamsOf<C> = C extends TaskContract<infer P> ? P : never;
