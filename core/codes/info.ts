// The shape of one catalogue entry (no imports: every range file of core/codes/ uses it).

/**
 * How a code is reported: an error (diagnostic or runtime error) stops the run; a warning does
 * not; info is a note printed only on request (SSL206 under SSL3D_NATIVE_DEBUG=1).
 */
export type CodeSeverity = 'error' | 'warning' | 'info';

/**
 * One entry of the diagnostics/error-code catalogue (core/codes/, one file per range:
 * SSL001–019 syntax, SSL020–099 compiler, SSL100–129 data, SSL130–149 models and training,
 * SSL150–159 tasks, SSL160–179 fine-tuning/evaluation/reports, SSL180–199 executor,
 * SSL200–209 backends). `ssl3d explain CODE` prints the long form.
 */
export interface CodeInfo {
  code: string;
  /** The severity call sites report it at. */
  severity: CodeSeverity;
  /** Set when some call sites report the code at the other severity (the entry says which). */
  alsoSeverity?: CodeSeverity;
  title: string;
  /**
   * The one-line messages of this code by key. `{name}` is a placeholder filled from the
   * params of `msg(code, key, params)` (core/codes/message.ts); `{name|s}` is the plural
   * rule: '' when the param `name` is 1, else 's'. Braces holding anything else (e.g. `{ … }`)
   * are literal text.
   */
  messages?: Readonly<Record<string, string>>;
  /** Long form: what it means, a small example, how to fix it. */
  explanation: string;
}

/** 'error', or e.g. 'warning (also reported as an error)' for a code used at both severities. */
export function severityText(info: Pick<CodeInfo, 'severity' | 'alsoSeverity'>): string {
  return info.alsoSeverity ? `${info.severity} (also reported as ${info.alsoSeverity === 'error' ? 'an error' : info.alsoSeverity === 'warning' ? 'a warning' : 'info'})` : info.severity;
}
