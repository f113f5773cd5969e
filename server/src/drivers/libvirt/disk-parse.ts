import { UnexpectedOutputError } from '../driver-errors.js';

// Parsers for the disk tools next to libvirt: `df -B1 --output=size,avail DIR` and
// `qemu-img info --output=json IMAGE`.

export interface DiskUsage {
  totalBytes: number;
  /** Available to an unprivileged writer. */
  freeBytes: number;
}

export function parseDfSizeAvail(text: string): DiskUsage {
  const rows = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const head = rows[0]?.split(/\s+/);
  const values = rows[1]?.split(/\s+/);
  if (head?.[0] !== '1B-blocks' || head[1] !== 'Avail' || values?.length !== 2 || !values.every((v) => /^\d+$/.test(v))) {
    throw new UnexpectedOutputError('df --output=size,avail', 'expected "1B-blocks Avail" and two numbers', text);
  }
  return { totalBytes: Number(values[0]), freeBytes: Number(values[1]) };
}

export interface ImageInfo {
  format: string;
  virtualSizeBytes: number;
  actualSizeBytes?: number;
  /** The backing file as recorded in the image, absolute when it was created with -b /abs. */
  backingFile?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseQemuImgInfo(text: string): ImageInfo {
  const tool = 'qemu-img info';
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UnexpectedOutputError(tool, 'the output is not JSON', text);
  }
  if (!isRecord(data)) throw new UnexpectedOutputError(tool, 'expected a JSON object', text);
  const { format, 'virtual-size': virtualSize, 'actual-size': actualSize } = data;
  const backing = data['full-backing-filename'] ?? data['backing-filename'];
  if (typeof format !== 'string' || typeof virtualSize !== 'number') {
    throw new UnexpectedOutputError(tool, 'missing "format" or "virtual-size"', text);
  }
  return {
    format,
    virtualSizeBytes: virtualSize,
    ...(typeof actualSize === 'number' ? { actualSizeBytes: actualSize } : {}),
    ...(typeof backing === 'string' ? { backingFile: backing } : {}),
  };
}

export interface IsoVolumeInfo {
  volumeId: string;
  applicationId: string;
}

/**
 * The primary volume descriptor of an ISO 9660 image (sector 16), read as a hex dump by
 * `od -A n -t x1 -v -j 32768 -N 2048 FILE` (coreutils everywhere; binary never crosses SSH).
 * null when the bytes are not a primary volume descriptor (not an ISO).
 */
export function parseIsoPrimaryDescriptor(text: string): IsoVolumeInfo | null {
  const hex = text.split(/\s+/).filter(Boolean);
  if (!hex.every((h) => /^[0-9a-f]{2}$/.test(h))) throw new UnexpectedOutputError('od -t x1', 'expected hex bytes', text);
  const bytes = Buffer.from(hex.join(''), 'hex');
  if (bytes.length < 2048 || bytes[0] !== 1 || bytes.toString('latin1', 1, 6) !== 'CD001') return null;
  const field = (from: number, to: number) => bytes.toString('latin1', from, to).replace(/[\s\0]+$/, '');
  return { volumeId: field(40, 72), applicationId: field(574, 702) };
}

/** stderr of `qemu-img` on an image a running QEMU holds open. */
export const isImageLocked = (stderr: string) => /Failed to get "write" lock|Is another process using the image/.test(stderr);

/**
 * What makes a qcow2 unsafe to use as an uploaded base image, from `qemu-img info
 * --output=json`: a backing file or an external data file (either would make QEMU open a
 * path the image names, any file on the host), or the corrupt flag.
 */
export function qcow2Hazards(text: string): string[] {
  const data: unknown = JSON.parse(text);
  if (!isRecord(data)) return ['qemu-img printed no object'];
  const out: string[] = [];
  if (data['backing-filename'] !== undefined || data['full-backing-filename'] !== undefined) out.push('it names a backing file');
  const specific = isRecord(data['format-specific']) && isRecord(data['format-specific'].data) ? data['format-specific'].data : {};
  if (specific['data-file'] !== undefined) out.push('it names an external data file');
  if (specific.corrupt === true) out.push('it is marked corrupt');
  return out;
}

export interface HostFile {
  path: string;
  sizeBytes: number;
}

/** `find DIR ... -printf '%p\t%s\n'`: one file a line, its path and size in bytes. */
export function parseFindFiles(text: string): HostFile[] {
  return text.split('\n').filter(Boolean).map((line) => {
    const m = /^(\/[^\t]*)\t(\d+)$/.exec(line);
    if (!m) throw new UnexpectedOutputError('find -printf', 'expected "<path>\\t<bytes>" lines', text);
    return { path: m[1]!, sizeBytes: Number(m[2]) };
  });
}
