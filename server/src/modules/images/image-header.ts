// What an uploaded image is, from its first bytes (read with a ranged GET, before anything is
// copied to a host): a qcow2 (magic "QFI\xfb") that names no backing file and needs no external
// data file, or an ISO 9660 image ("CD001" at byte 32769). Anything else is refused.

export const HEADER_BYTES = 32_775;
const QCOW2_MAGIC = 0x514649fb;
/** qcow2 v3 incompatible feature bit 2: an external data file. */
const EXTERNAL_DATA_FILE = 1n << 2n;

export type ImageFormat = 'qcow2' | 'iso';

export function inspectImageHeader(head: Buffer): { format: ImageFormat } | { problem: string } {
  if (head.length >= 104 && head.readUInt32BE(0) === QCOW2_MAGIC) {
    const version = head.readUInt32BE(4);
    if (version !== 2 && version !== 3) return { problem: `qcow2 version ${version} is not supported` };
    if (head.readBigUInt64BE(8) !== 0n) return { problem: 'the qcow2 image names a backing file; upload a self-contained image (qemu-img convert -O qcow2)' };
    if (version === 3 && (head.readBigUInt64BE(72) & EXTERNAL_DATA_FILE) !== 0n) return { problem: 'the qcow2 image needs an external data file; upload a self-contained image' };
    return { format: 'qcow2' };
  }
  if (head.length >= 32_774 && head.subarray(32_769, 32_774).toString('latin1') === 'CD001') return { format: 'iso' };
  return { problem: 'the file is neither a qcow2 nor an ISO 9660 image' };
}
