import type { CommandFlags, CommandName } from '../cli.ts';
import { resolveConfig } from '../config.ts';
import type { ExitCodeValue } from '../exit-codes.ts';
import type { Io } from '../ui.ts';
import { closeContext, createContext, finish } from './context.ts';

/** The heavy half of the CLI: loaded only once a command is actually run. */
export async function runCommand(command: CommandName, flags: CommandFlags, io: Io): Promise<ExitCodeValue> {
  const config = resolveConfig(flags, io.env, { rancher: command !== 'show-token' });
  const context = createContext(config, io);
  try {
    if (command === 'show-token') {
      const { showToken } = await import('./show-token.ts');
      return finish(await showToken(context), context, { revealPasswords: flags.password === true });
    }
    // Only sync and dry-run talk to Rancher: show-token never loads axios.
    const { sync } = await import('./sync.ts');
    return finish(await sync(context, { dryRun: command === 'dry-run' }), context);
  } finally {
    closeContext(context);
  }
}
