// The error every layer below the renderers throws for bad input: a stable catalogue code with
// one of its catalogue messages (`msg(code, key, params)`), and the file it is about. Renderers
// print it without a stack.

import type { Code, CodedMessage } from './codes/index.js';

export class SslRuntimeError extends Error {
  readonly code: Code;
  constructor(
    m: CodedMessage,
    /** File (data file, checkpoint, …) the error is about, if any. */
    public readonly file: string | null = null,
  ) {
    super(m.message);
    this.code = m.code;
    this.name = 'SslRuntimeError';
  }
}

/** A message with the file it is about appended, unless the message already names it. */
export function withFile(message: string, file: string | null): string {
  return file && !message.includes(file) ? `${message} (${file})` : message;
}

