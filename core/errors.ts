// The error every layer below the renderers throws for bad input: a stable catalogue code, a
// located human message, and the file it is about. Renderers print it without a stack.

import type { Code } from './codes/index.js';
import { TASK_CODES } from './codes/tasks.js';

export class SslRuntimeError extends Error {
  constructor(
    public readonly code: Code,
    message: string,
    /** File (data file, checkpoint, …) the error is about, if any. */
    public readonly file: string | null = null,
  ) {
    super(message);
    this.name = 'SslRuntimeError';
  }
}

/** A message with the file it is about appended, unless the message already names it. */
export function withFile(message: string, file: string | null): string {
  return file && !message.includes(file) ? `${message} (${file})` : message;
}

/** A pretext-task error by its name in TASK_CODES (core/codes/tasks.ts). */
export function taskError(code: keyof typeof TASK_CODES, message: string, file: string | null = null): SslRuntimeError {
  return new SslRuntimeError(TASK_CODES[code], message, file);
}
