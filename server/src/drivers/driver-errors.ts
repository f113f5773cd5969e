// Drivers know nothing of HTTP: they throw these typed errors and services translate them
// into user-facing codes. Every error carries a human sentence in `message` and the facts a
// service needs (host, argv, exit code ...) as typed fields, mirrored in `details`.

export const DriverErrorCode = {
  UNSAFE_VALUE: 'UNSAFE_VALUE',
  UNEXPECTED_OUTPUT: 'UNEXPECTED_OUTPUT',
  UNSUPPORTED_HOST_KIND: 'UNSUPPORTED_HOST_KIND',
  HOST_STATE_CONFLICT: 'HOST_STATE_CONFLICT',
  HOST_RESOURCE_MISSING: 'HOST_RESOURCE_MISSING',
  STATE_WAIT_TIMEOUT: 'STATE_WAIT_TIMEOUT',
  HOST_UNREACHABLE: 'HOST_UNREACHABLE',
  HOST_BUSY: 'HOST_BUSY',
  SSH_TIMEOUT: 'SSH_TIMEOUT',
  SSH_AUTH_FAILED: 'SSH_AUTH_FAILED',
  HOST_KEY_MISMATCH: 'HOST_KEY_MISMATCH',
  COMMAND_FAILED: 'COMMAND_FAILED',
  OUTPUT_TOO_LARGE: 'OUTPUT_TOO_LARGE',
  CONTAINER_ENGINE_FAILED: 'CONTAINER_ENGINE_FAILED',
} as const;

export type DriverErrorCode = keyof typeof DriverErrorCode;

export class DriverError extends Error {
  constructor(
    readonly code: DriverErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export const isDriverError = (e: unknown): e is DriverError => e instanceof DriverError;

/** A name, path or number failed its strict pattern before it came near a command line. */
export class UnsafeValueError extends DriverError {
  constructor(
    readonly kind: string,
    readonly value: string,
    readonly rule: string,
  ) {
    super('UNSAFE_VALUE', `Refusing ${kind} ${JSON.stringify(value.slice(0, 80))}: ${rule}.`, { kind, value: value.slice(0, 200), rule });
  }
}

/** A host tool answered in a shape the parser does not understand (a version change?). */
export class UnexpectedOutputError extends DriverError {
  constructor(
    readonly tool: string,
    readonly reason: string,
    readonly sample: string,
  ) {
    super('UNEXPECTED_OUTPUT', `Could not understand the output of ${tool}: ${reason}.`, { tool, reason, sample: sample.slice(0, 500) });
  }
}

export class UnsupportedHostKindError extends DriverError {
  constructor(readonly kind: string, known: readonly string[]) {
    super('UNSUPPORTED_HOST_KIND', `No driver for hosts of kind "${kind}" (known: ${known.join(', ') || 'none'}).`, { kind, known });
  }
}

/**
 * The host's state forbids the change: something with the wanted name exists but is not what
 * the platform would make, or a resource is in the wrong state (e.g. running where the change
 * needs it shut off). `message` replaces the default "already exists" sentence.
 */
export class HostStateConflictError extends DriverError {
  constructor(
    readonly resource: string,
    readonly reason: string,
    message?: string,
  ) {
    super('HOST_STATE_CONFLICT', message ?? `${resource} already exists on the host but ${reason}.`, { resource, reason });
  }
}

/** The change needs something on the host that is not there (a domain, a snapshot, a disk). */
export class HostResourceMissingError extends DriverError {
  constructor(readonly resource: string) {
    super('HOST_RESOURCE_MISSING', `${resource} does not exist on the host.`, { resource });
  }
}

/** A domain did not reach one of the wanted states in time. */
export class StateWaitTimeoutError extends DriverError {
  constructor(
    readonly resource: string,
    readonly wanted: readonly string[],
    readonly lastState: string | null,
    readonly timeoutMs: number,
  ) {
    super(
      'STATE_WAIT_TIMEOUT',
      `${resource} did not reach ${wanted.join(' or ')} within ${timeoutMs} ms (last seen: ${lastState ?? 'missing'}).`,
      { resource, wanted, lastState, timeoutMs },
    );
  }
}

/** The container engine answered with an error (HTTP status from its API), or the API stream broke. */
export class ContainerEngineError extends DriverError {
  constructor(
    readonly host: { address: string; port: number },
    readonly operation: string,
    readonly reason: string,
    readonly statusCode?: number,
  ) {
    super(
      'CONTAINER_ENGINE_FAILED',
      `The container engine on ${host.address}:${host.port} failed to ${operation}: ${reason}.`,
      { address: host.address, port: host.port, operation, reason, statusCode },
    );
  }
}
