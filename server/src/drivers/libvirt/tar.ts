// A minimal POSIX ustar writer: regular files only, built in memory, so small files can travel
// to a host as the stdin of `tar -x -C DIR -f -` (one argv, no shell, no temp file here).

export interface TarFile {
  /** A plain file name (no directories): 1-100 of A-Z, a-z, 0-9, ".", "_" and "-". */
  name: string;
  content: string | Buffer;
  /** Octal permission bits; default 0o644. */
  mode?: number;
  /** Seconds since the epoch; default 0, so the same files give the same bytes. */
  mtime?: number;
}

const BLOCK = 512;
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

/** `value` in octal, zero-padded to `width - 1` digits and NUL-terminated. */
function octal(value: number, width: number): string {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`tar: ${value} does not fit a ${width}-byte field`);
  return `${digits.padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, mode: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  h.write(name, 0, 100, 'ascii');
  h.write(octal(mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum field counts as spaces while summing
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

export function buildTar(files: readonly TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    if (!FILE_NAME.test(file.name) || file.name.includes('..')) throw new Error(`tar: refusing file name ${JSON.stringify(file.name)}`);
    const body = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
    parts.push(header(file.name, body.length, file.mode ?? 0o644, file.mtime ?? 0), body);
    const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(2 * BLOCK, 0)); // end of archive
  return Buffer.concat(parts);
}
