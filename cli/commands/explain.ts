// Placeholder until the owning part lands; replaced by the real command.
import type { Command } from '../main.js';

export const command: Command = {
  summary: 'explain',
  async run(): Promise<number> {
    process.stderr.write('ssl3d explain: not available yet\n');
    return 2;
  },
};
