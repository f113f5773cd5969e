import type { SshTarget } from './ssh-connection.js';
import type { ExecOptions, ExecResult } from './ssh-pool.js';

/** What a driver needs from the SSH pool; a test can hand a driver a scripted fake instead. */
export interface CommandRunner {
  exec(target: SshTarget, argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
}
