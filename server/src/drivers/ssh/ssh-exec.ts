import { constants } from 'node:os';
import { Readable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { toCommandLine } from './argv.js';
import { HostUnreachableError, OutputTooLargeError, SshTimeoutError, type HostAddress } from './ssh-errors.js';

// One command on one open connection: a session channel, stdin, bounded stdout/stderr, a
// deadline. On timeout or overflow the channel is closed at once. Closing a channel does not
// stop a non-tty process, and sshd refuses SSH "signal" requests for root logins (those
// sessions run without privilege separation), so the host enforces the deadline itself:
// every command runs under coreutils `timeout`, a little past the platform's own deadline,
// TERM first, KILL two seconds later. Nothing keeps running after the platform gave up on it.

export interface RawExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  signal?: string;
}

export interface RunCommandOptions {
  timeoutMs: number;
  maxOutputBytes: number;
  /** A stream is piped with backpressure (large transfers such as VM images). */
  stdin?: string | Buffer | Readable;
}

export interface RunningCommand {
  /** Settles with the command's result, or rejects on timeout, overflow or a lost connection. */
  result: Promise<RawExecResult>;
  /** Settles when the channel is closed on both sides (the moment its slot may be reused). */
  closed: Promise<void>;
}

/** The channel could not be opened; the command never started, so running it again is safe. */
export class ChannelOpenError extends Error {
  constructor(readonly reason: string, readonly connectionLost: boolean) {
    super(reason);
    this.name = 'ChannelOpenError';
  }
}

const signalNumber = (name: string): number => {
  const signals: Record<string, number | undefined> = constants.signals;
  return signals[`SIG${name}`] ?? 0;
};

interface ExitStatus { code?: number; signal?: string }

/**
 * Opens the exec channel with its exit listener attached inside ssh2's callback. ssh2 parses
 * every packet of one socket read in a row: a fast command's exit-status, EOF and CLOSE can
 * arrive in the same read as the channel's confirmation, and the 'exit' event is then emitted
 * before an `await` could attach a listener (seen as "closed before the command reported its
 * exit status" while other channels streamed data).
 */
function openExec(client: Client, line: string): Promise<{ channel: ClientChannel; exit: ExitStatus }> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(line, (err, channel) => {
        if (err) {
          reject(new ChannelOpenError(err.message, /No response|Not connected|closed/i.test(err.message)));
          return;
        }
        const exit: ExitStatus = {};
        channel.on('exit', (code: number | null, signal?: string) => {
          if (typeof code === 'number') exit.code = code;
          else if (signal) exit.signal = signal;
        });
        resolve({ channel, exit });
      });
    } catch (e) {
      // ssh2 throws "Not connected" synchronously when the socket is already gone.
      reject(new ChannelOpenError(e instanceof Error ? e.message : String(e), true));
    }
  });
}

/** How much later than the platform's deadline the host's own watchdog fires. */
export const REMOTE_DEADLINE_MARGIN_MS = 1_000;

/** Exit codes of `timeout` when it stopped the command (TERM, or KILL after -k). */
const WATCHDOG_EXITS = new Set([124, 137]);

/**
 * The full argv sent to the host: the C locale so messages parse, and the watchdog. With
 * the margin the platform's timer normally fires first and reports the timeout itself.
 */
export function remoteArgv(argv: readonly string[], timeoutMs: number): string[] {
  const seconds = ((timeoutMs + REMOTE_DEADLINE_MARGIN_MS) / 1000).toFixed(3);
  return ['env', 'LC_ALL=C', 'timeout', '-k', '2', seconds, ...argv];
}

export async function runCommand(
  client: Client,
  host: HostAddress,
  argv: readonly string[],
  options: RunCommandOptions,
): Promise<RunningCommand> {
  const line = toCommandLine(remoteArgv(argv, options.timeoutMs));
  const startedAt = Date.now();
  const { channel, exit } = await openExec(client, line);

  let settled = false;
  let resolveResult!: (r: RawExecResult) => void;
  let rejectResult!: (e: unknown) => void;
  const result = new Promise<RawExecResult>((res, rej) => {
    resolveResult = res;
    rejectResult = rej;
  });
  const closed = new Promise<void>((res) => channel.once('close', () => res()));

  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const size = { stdout: 0, stderr: 0 };

  const stop = (error: Error) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    channel.close();
    rejectResult(error);
  };

  const timer = setTimeout(() => stop(new SshTimeoutError(host, argv, options.timeoutMs)), options.timeoutMs);

  const collect = (stream: 'stdout' | 'stderr', chunks: Buffer[]) => (chunk: Buffer) => {
    if (settled) return;
    size[stream] += chunk.length;
    if (size[stream] > options.maxOutputBytes) stop(new OutputTooLargeError(host, argv, options.maxOutputBytes, stream));
    else chunks.push(chunk);
  };
  channel.on('data', collect('stdout', stdout));
  channel.stderr.on('data', collect('stderr', stderr));
  channel.on('error', (err: Error) => stop(new HostUnreachableError(host, `the SSH channel failed (${err.message})`, err)));
  channel.once('close', () => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    const { code: exitCode, signal: exitSignal } = exit;
    if (exitCode !== undefined && WATCHDOG_EXITS.has(exitCode) && Date.now() - startedAt >= options.timeoutMs) {
      rejectResult(new SshTimeoutError(host, argv, options.timeoutMs));
      return;
    }
    if (exitCode === undefined && exitSignal === undefined) {
      rejectResult(new HostUnreachableError(host, 'the connection closed before the command reported its exit status'));
      return;
    }
    resolveResult({
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
      exitCode: exitCode ?? 128 + signalNumber(exitSignal ?? ''),
      ...(exitSignal ? { signal: exitSignal } : {}),
    });
  });

  // Always send EOF, so a command that reads stdin cannot wait forever.
  const input = options.stdin;
  if (input instanceof Readable) {
    input.once('error', (err: Error) => stop(new HostUnreachableError(host, `the input stream failed (${err.message})`, err)));
    input.pipe(channel);
    void result.catch(() => input.unpipe(channel));
  } else if (input !== undefined) channel.end(input);
  else channel.end();

  return { result, closed };
}
