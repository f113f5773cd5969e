import { UnexpectedOutputError } from '../driver-errors.js';

// Parsers for the disk tools next to libvirt: `df -B1 --output=avail DIR` and
// `qemu-img info --output=json IMAGE`.

export function parseDfAvail(text: string): number {
  const rows = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const value = rows[1];
  if (rows[0] !== 'Avail' || value === undefined || !/^\d+$/.test(value)) {
    throw new UnexpectedOutputError('df --output=avail', 'expected an "Avail" heading and one number', text);
  }
  return Number(value);
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
