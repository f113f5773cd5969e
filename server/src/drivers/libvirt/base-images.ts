import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { HostStateConflictError, UnsafeValueError } from '../driver-errors.js';
import { assertPathUnder } from '../ssh/argv.js';
import type { CommandRunner } from '../ssh/command-runner.js';
import type { SshTarget } from '../ssh/ssh-connection.js';
import { CommandFailedError } from '../ssh/ssh-errors.js';
import { parseFindFiles, parseIsoPrimaryDescriptor, parseQemuImgInfo, qcow2Hazards, type HostFile } from './disk-parse.js';

// Imported base images on a host: <imageDir>/base/img-<template id>.<qcow2|iso>. One arrives
// as a stream on the SSH channel's stdin into a temporary file next to its final place, is
// checked there (size, SHA-256 against the platform's, and its format: a qcow2 must not name a
// backing or data file, which would let an uploaded image read any file on the host), and
// only then renamed into place, so a VM never sees half an image. The same image already in
// place is left alone; nothing but such an image is ever removed.

export interface ImageImport {
  /** <imageDir>/base/img-<uuid>.qcow2 or .iso */
  path: string;
  source: Readable;
  sizeBytes: number;
  sha256: string;
  format: 'qcow2' | 'iso';
  /** Deadline for the transfer (large images on slow links take minutes). */
  timeoutMs?: number;
}

const IMPORTED = /^img-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(qcow2|iso)$/;
const SHA256 = /^[0-9a-f]{64}$/;

export class BaseImages {
  constructor(
    private readonly runner: CommandRunner,
    private readonly target: SshTarget,
    private readonly imageDir: string,
  ) {}

  /** A path for an imported image: <imageDir>/base/img-<uuid>.<ext>, nothing else. */
  importedPath(path: string): string {
    assertPathUnder('image path', path, [`${this.imageDir}/base`]);
    if (posix.dirname(path) !== `${this.imageDir}/base` || !IMPORTED.test(posix.basename(path))) {
      throw new UnsafeValueError('image path', path, 'imported images are <imageDir>/base/img-<uuid>.qcow2 or .iso');
    }
    return path;
  }

  /** SHA-256 of a file in the image directory; null when it is missing. */
  async sha256(path: string): Promise<string | null> {
    const argv = ['sha256sum', '--', assertPathUnder('file path', path, [this.imageDir])];
    const r = await this.runner.exec(this.target, argv, { allowFailure: true, timeoutMs: 30 * 60_000 });
    if (r.exitCode !== 0) {
      if (/No such file or directory/.test(r.stderr)) return null;
      throw new CommandFailedError(this.target, argv, r.exitCode, r.stderr, r.signal);
    }
    const sum = r.stdout.trim().split(/\s+/)[0] ?? '';
    if (!SHA256.test(sum)) throw new HostStateConflictError(`File ${path}`, 'sha256sum printed no checksum');
    return sum;
  }

  /**
   * The disk images an admin has put in <imageDir>/base (qcow2, raw .img, ISO; at most 500);
   * an absent folder is an empty list. Imported copies and partial uploads are the
   * platform's own and not offered.
   */
  async list(): Promise<HostFile[]> {
    const dir = `${this.imageDir}/base`;
    const argv = ['find', dir, '-maxdepth', '1', '-type', 'f', '-printf', '%p\\t%s\\n'];
    const r = await this.runner.exec(this.target, argv, { allowFailure: true, maxOutputBytes: 256 * 1024 });
    if (r.exitCode !== 0) {
      if (/No such file or directory/.test(r.stderr)) return [];
      throw new CommandFailedError(this.target, argv, r.exitCode, r.stderr, r.signal);
    }
    return parseFindFiles(r.stdout)
      .filter((f) => /\.(qcow2|img|raw|iso)$/i.test(f.path) && !IMPORTED.test(posix.basename(f.path)) && posix.dirname(f.path) === dir)
      .slice(0, 500);
  }

  async importImage(spec: ImageImport): Promise<void> {
    const path = this.importedPath(spec.path);
    if (!SHA256.test(spec.sha256)) throw new UnsafeValueError('checksum', spec.sha256, 'a SHA-256 is 64 lower-case hex digits');
    if ((await this.sha256(path)) === spec.sha256) {
      spec.source.destroy();
      return;
    }
    const tmp = `${path}.part`;
    await this.runner.exec(this.target, ['mkdir', '-p', '--', posix.dirname(path)]);
    try {
      await this.runner.exec(this.target, ['dd', `of=${tmp}`, 'bs=4M', 'status=none'], { stdin: spec.source, timeoutMs: spec.timeoutMs ?? 30 * 60_000 });
      const size = Number((await this.runner.exec(this.target, ['stat', '-c', '%s', '--', tmp])).stdout.trim());
      if (size !== spec.sizeBytes) throw new HostStateConflictError(`Image ${path}`, `${size} bytes arrived, ${spec.sizeBytes} were sent`);
      const sum = await this.sha256(tmp);
      if (sum !== spec.sha256) throw new HostStateConflictError(`Image ${path}`, `its SHA-256 on the host (${sum}) differs from the upload's (${spec.sha256})`);
      await this.checkFormat(tmp, spec.format);
      await this.runner.exec(this.target, ['chmod', '0644', '--', tmp]);
      await this.runner.exec(this.target, ['mv', '-f', '--', tmp, path]);
    } catch (e) {
      await this.runner.exec(this.target, ['rm', '-f', '--', tmp]).catch(() => undefined);
      throw e;
    }
  }

  private async checkFormat(path: string, format: 'qcow2' | 'iso'): Promise<void> {
    if (format === 'iso') {
      const r = await this.runner.exec(this.target, ['od', '-A', 'n', '-t', 'x1', '-v', '-j', '32768', '-N', '2048', path], { allowFailure: true });
      if (r.exitCode !== 0 || !parseIsoPrimaryDescriptor(r.stdout)) throw new HostStateConflictError(`Image ${path}`, 'it is not an ISO 9660 image');
      return;
    }
    const r = await this.runner.exec(this.target, ['qemu-img', 'info', '--output=json', '-f', 'qcow2', '--', path], { allowFailure: true });
    if (r.exitCode !== 0) throw new HostStateConflictError(`Image ${path}`, `qemu-img does not read it as qcow2 (${r.stderr.trim().slice(0, 200)})`);
    const info = parseQemuImgInfo(r.stdout);
    const hazards = qcow2Hazards(r.stdout);
    if (info.format !== 'qcow2' || hazards.length) throw new HostStateConflictError(`Image ${path}`, hazards.join('; ') || `it is ${info.format}, not qcow2`);
  }

  /** Removes an imported image (and a leftover partial copy); a missing one counts as removed. */
  async remove(path: string): Promise<void> {
    const p = this.importedPath(path);
    await this.runner.exec(this.target, ['rm', '-f', '--', p, `${p}.part`]);
  }
}
