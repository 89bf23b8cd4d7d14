// The shape of one catalogue entry (no imports: every range file of core/codes/ uses it).

/**
 * One entry of the diagnostics/error-code catalogue (core/codes/, one file per range:
 * SSL001–019 syntax, SSL020–099 compiler, SSL100–129 data, SSL130–149 models and training,
 * SSL150–159 tasks, SSL160–179 fine-tuning/evaluation/reports, SSL180–199 executor,
 * SSL200–209 backends). `ssl3d explain CODE` prints the long form.
 */
export interface CodeInfo {
  code: string;
  title: string;
  /** Long form: what it means, a small example, how to fix it. */
  explanation: string;
}
