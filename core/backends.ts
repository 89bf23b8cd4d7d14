// The backend choices of the language, the graph and the CLI (`backend = …`, `--backend`),
// spelled once. `auto` tries the others in the order of `runtime/backend` (tensorflow, webgpu,
// native, cpu); what each one is lives in `runtime/backend/`.

export const BACKENDS = ['auto', 'webgpu', 'native', 'cpu', 'tensorflow'] as const;

export type BackendChoice = (typeof BACKENDS)[number];

export function isBackendChoice(name: string): name is BackendChoice {
  return (BACKENDS as readonly string[]).includes(name);
}
