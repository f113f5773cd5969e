import { logger } from './logger.js';

// What happens to a user's things when an administrator disables the account, as a hook any
// module subscribes to (VMs stop, consoles close; tunnels and containers join the same way).
// The listeners run in the process that made the change, after the account is disabled; a
// listener that must reach every process (open sockets) publishes on its own channel.

type Listener = (userId: string) => Promise<unknown>;
const listeners: { name: string; run: Listener }[] = [];

export function onAccountDisabled(name: string, run: Listener): void {
  listeners.push({ name, run });
}

/** Runs every listener; one failing does not stop the others (each logs and the data stays). */
export async function accountDisabled(userId: string): Promise<void> {
  await Promise.all(listeners.map(async (l) => {
    try {
      await l.run(userId);
    } catch (err) {
      logger.error({ err, userId, listener: l.name }, 'an account-disabled listener failed');
    }
  }));
}
