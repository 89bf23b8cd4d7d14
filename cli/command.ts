// The shape of one `ssl3d` command (cli/commands/<name>.ts); cli/main.ts dispatches to them.

export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}
