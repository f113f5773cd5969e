import { constants } from 'node:os';
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
  stdin?: string | Buffer;
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

function openExec(client: Client, line: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(line, (err, channel) => {
        if (err) reject(new ChannelOpenError(err.message, /No response|Not connected|closed/i.test(err.message)));
        else resolve(channel);
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
  const channel = await openExec(client, line);

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
  let exitCode: number | undefined;
  let exitSignal: string | undefined;

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
  channel.on('exit', (code: number | null, signal?: string) => {
    if (typeof code === 'number') exitCode = code;
    else if (signal) exitSignal = signal;
  });
  channel.on('error', (err: Error) => stop(new HostUnreachableError(host, `the SSH channel failed (${err.message})`, err)));
  channel.once('close', () => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
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
  if (options.stdin !== undefined) channel.end(options.stdin);
  else channel.end();

  return { result, closed };
}
