import { DriverError } from '../driver-errors.js';

// What can go wrong between the platform and a host, one class per cause, so a service can
// say "host unreachable" rather than "Error: connect ECONNREFUSED".

export interface HostAddress {
  address: string;
  port: number;
}

const where = (h: HostAddress) => `${h.address}:${h.port}`;

/** argv as a reader would type it; for messages only, never for execution. */
export function describeArgv(argv: readonly string[], max = 160): string {
  const text = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The last `max` characters: the end of stderr is where tools put the reason. */
export function tail(text: string, max = 2000): string {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

export class HostUnreachableError extends DriverError {
  constructor(
    readonly host: HostAddress,
    readonly reason: string,
    cause?: unknown,
  ) {
    super('HOST_UNREACHABLE', `Could not reach ${where(host)}: ${reason}.`, { address: host.address, port: host.port, reason }, { cause });
  }
}

/** Every SSH channel to the host is taken and too many requests wait, or the wait ran out. */
export class HostBusyError extends DriverError {
  constructor(
    readonly host: HostAddress,
    readonly reason: string,
  ) {
    super('HOST_BUSY', `${where(host)} is busy (${reason}); try again shortly.`, { address: host.address, port: host.port, reason });
  }
}

export class SshTimeoutError extends DriverError {
  constructor(
    readonly host: HostAddress,
    readonly argv: readonly string[],
    readonly timeoutMs: number,
  ) {
    super(
      'SSH_TIMEOUT',
      `"${describeArgv(argv)}" on ${where(host)} did not finish within ${timeoutMs} ms, so it was stopped.`,
      { address: host.address, port: host.port, argv: [...argv], timeoutMs },
    );
  }
}

export class SshAuthError extends DriverError {
  constructor(
    readonly host: HostAddress,
    readonly user: string,
    cause?: unknown,
  ) {
    super(
      'SSH_AUTH_FAILED',
      `${where(host)} refused the platform's SSH key for user "${user}": install the platform's public key in that user's authorized_keys.`,
      { address: host.address, port: host.port, user },
      { cause },
    );
  }
}

export class HostKeyMismatchError extends DriverError {
  constructor(
    readonly host: HostAddress,
    readonly expected: string,
    readonly presented: string,
  ) {
    super(
      'HOST_KEY_MISMATCH',
      `The host key of ${where(host)} is not the registered one (expected ${expected}, presented ${presented}); refusing to connect.`,
      { address: host.address, port: host.port, expected, presented },
    );
  }
}

export class CommandFailedError extends DriverError {
  readonly stderrTail: string;
  constructor(
    readonly host: HostAddress,
    readonly argv: readonly string[],
    readonly exitCode: number,
    stderr: string,
    readonly signal?: string,
  ) {
    const stderrTail = tail(stderr.trim());
    const how = signal ? `was killed by signal ${signal}` : `failed with exit code ${exitCode}`;
    super(
      'COMMAND_FAILED',
      `"${describeArgv(argv)}" on ${where(host)} ${how}${stderrTail ? `: ${tail(stderrTail, 300)}` : ''}`,
      { address: host.address, port: host.port, argv: [...argv], exitCode, signal, stderr: stderrTail },
    );
    this.stderrTail = stderrTail;
  }
}

export class OutputTooLargeError extends DriverError {
  constructor(
    readonly host: HostAddress,
    readonly argv: readonly string[],
    readonly limitBytes: number,
    readonly stream: 'stdout' | 'stderr',
  ) {
    super(
      'OUTPUT_TOO_LARGE',
      `"${describeArgv(argv)}" on ${where(host)} wrote more than ${limitBytes} bytes to ${stream}, so it was stopped.`,
      { address: host.address, port: host.port, argv: [...argv], limitBytes, stream },
    );
  }
}
