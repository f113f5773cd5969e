import type { CommandRunner } from '../ssh/command-runner.js';
import type { SshTarget } from '../ssh/ssh-connection.js';
import { CommandFailedError } from '../ssh/ssh-errors.js';
import type { ExecOptions, ExecResult } from '../ssh/ssh-pool.js';

type Reply = Partial<ExecResult>;

/** A CommandRunner for unit tests: records every call and answers from a script. */
export class ScriptedRunner implements CommandRunner {
  readonly calls: Array<{ argv: string[]; options: ExecOptions }> = [];
  private readonly rules: Array<{ match: (argv: readonly string[]) => boolean; reply: Reply | ((argv: readonly string[]) => Reply) }> = [];

  /** Replies to commands whose argv contains `words` in order (contiguously); a function reply is called per command. */
  on(words: readonly string[], reply: Reply | ((argv: readonly string[]) => Reply)): this {
    this.rules.push({
      match: (argv) => argv.some((_, i) => words.every((w, j) => argv[i + j] === w)),
      reply,
    });
    return this;
  }

  async exec(target: SshTarget, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push({ argv: [...argv], options });
    const rule = this.rules.find((r) => r.match(argv));
    const reply = typeof rule?.reply === 'function' ? rule.reply(argv) : rule?.reply;
    const result: ExecResult = { stdout: '', stderr: '', exitCode: 0, ...reply };
    if (result.exitCode !== 0 && !options.allowFailure) throw new CommandFailedError(target, argv, result.exitCode, result.stderr);
    return result;
  }

  /** The argv of every call, joined by spaces, for readable assertions. */
  get commands(): string[] {
    return this.calls.map((c) => c.argv.join(' '));
  }
}
