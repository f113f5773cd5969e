import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEADER_BYTES, inspectImageHeader } from '../image-header.js';

// Real images made with qemu-img, the way an admin would make them, read as the import reads
// them: the first bytes only.

const dir = mkdtempSync(path.join(tmpdir(), 'img-'));
const head = (file: string) => readFileSync(file).subarray(0, HEADER_BYTES);
const qemuImg = (...args: string[]) => execFileSync('qemu-img', args, { stdio: 'pipe' });

describe('inspectImageHeader', () => {
  it('accepts a self-contained qcow2', () => {
    qemuImg('create', '-q', '-f', 'qcow2', path.join(dir, 'base.qcow2'), '16M');
    expect(inspectImageHeader(head(path.join(dir, 'base.qcow2')))).toEqual({ format: 'qcow2' });
  });

  it('refuses a qcow2 that names a backing file (it could read any file on the host)', () => {
    qemuImg('create', '-q', '-f', 'qcow2', path.join(dir, 'base2.qcow2'), '16M');
    qemuImg('create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', '/etc/shadow', path.join(dir, 'evil.qcow2'), '16M');
    expect(inspectImageHeader(head(path.join(dir, 'evil.qcow2')))).toMatchObject({ problem: expect.stringMatching(/backing file/) });
  });

  it('refuses a qcow2 with an external data file', () => {
    qemuImg('create', '-q', '-f', 'qcow2', '-o', `data_file=${path.join(dir, 'data.raw')}`, path.join(dir, 'ext.qcow2'), '16M');
    expect(inspectImageHeader(head(path.join(dir, 'ext.qcow2')))).toMatchObject({ problem: expect.stringMatching(/external data file/) });
  });

  it('recognises an ISO 9660 image and refuses anything else', () => {
    const iso = Buffer.alloc(HEADER_BYTES);
    iso.write('\u0001CD001', 32_768, 'latin1');
    expect(inspectImageHeader(iso)).toEqual({ format: 'iso' });
    expect(inspectImageHeader(Buffer.from('#!/bin/sh\nrm -rf /\n'))).toMatchObject({ problem: expect.stringMatching(/neither/) });
    expect(inspectImageHeader(Buffer.alloc(0))).toMatchObject({ problem: expect.any(String) });
  });
});
