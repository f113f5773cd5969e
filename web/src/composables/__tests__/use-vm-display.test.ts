import { afterEach, describe, expect, it } from 'vitest';
import type { QuotaFigures, VmState } from '../../api/types';
import { i18n } from '../../i18n';
import {
  defaultSize,
  sizeFits,
  smallestFitting,
  defaultVmName,
  exceedsHeadroom,
  formatVmSize,
  isOperationFinished,
  isTransitional,
  sizeBounds,
  isImagePath,
  SSH_PUBLIC_KEY_PATTERN,
  useVmDisplay,
  VM_NAME_PATTERN,
  vmActionsFor,
} from '../use-vm-display';

afterEach(() => {
  i18n.global.locale.value = 'en';
});

const template = { minMemoryMiB: 1000, defaultDiskGiB: 10, maxDiskGiB: 40 };
const headroom = (figures: Partial<QuotaFigures> = {}): QuotaFigures => ({
  vcpus: 4,
  memoryMiB: 4096,
  diskGiB: 100,
  vms: 2,
  containers: 0,
  ...figures,
});

describe('VM states', () => {
  it('knows which states have an operation under way', () => {
    const transitional: VmState[] = ['creating', 'starting', 'stopping', 'rebooting', 'deleting'];
    const settled: VmState[] = ['running', 'stopped', 'error', 'deleted'];
    for (const state of transitional) expect(isTransitional(state)).toBe(true);
    for (const state of settled) expect(isTransitional(state)).toBe(false);
  });

  it('offers the actions a state allows', () => {
    expect(vmActionsFor('stopped')).toEqual({ power: ['start'], canDelete: true });
    expect(vmActionsFor('running')).toEqual({ power: ['shutdown', 'reboot', 'poweroff'], canDelete: true });
    expect(vmActionsFor('starting')).toEqual({ power: ['poweroff'], canDelete: false });
    expect(vmActionsFor('stopping')).toEqual({ power: ['poweroff'], canDelete: false });
    expect(vmActionsFor('error')).toEqual({ power: [], canDelete: true });
    for (const state of ['creating', 'rebooting', 'deleting', 'deleted'] as const) {
      expect(vmActionsFor(state)).toEqual({ power: [], canDelete: false });
    }
  });

  it('knows when an operation has ended', () => {
    expect(isOperationFinished({ state: 'pending' })).toBe(false);
    expect(isOperationFinished({ state: 'running' })).toBe(false);
    for (const state of ['succeeded', 'failed', 'compensated'] as const) expect(isOperationFinished({ state })).toBe(true);
  });
});

describe('sizeBounds', () => {
  it('bounds the sliders by the template and by what is left of the quota', () => {
    const bounds = sizeBounds(template, headroom({ diskGiB: 100 }));
    expect(bounds.vcpus).toEqual({ min: 1, max: 4, fits: true });
    // 1000 MiB rounds up to the next 256 MiB step.
    expect(bounds.memoryMiB).toEqual({ min: 1024, max: 4096, fits: true });
    // The template's maximum is lower than the quota's headroom.
    expect(bounds.diskGiB).toEqual({ min: 10, max: 40, fits: true });
    expect(bounds.fits).toBe(true);
  });

  it('uses the headroom when it is lower than the template limit, in whole memory steps', () => {
    const bounds = sizeBounds(template, headroom({ vcpus: 2, memoryMiB: 3000, diskGiB: 25 }));
    expect(bounds.vcpus.max).toBe(2);
    expect(bounds.memoryMiB.max).toBe(2816);
    expect(bounds.diskGiB.max).toBe(25);
  });

  it('never goes past the per-VM maximum, however large the quota', () => {
    const bounds = sizeBounds({ ...template, maxDiskGiB: 5000 }, headroom({ vcpus: 64, memoryMiB: 1_000_000, diskGiB: 10_000 }));
    expect(bounds.vcpus.max).toBe(16);
    expect(bounds.memoryMiB.max).toBe(65_536);
    expect(bounds.diskGiB.max).toBe(2048);
  });

  it('says so when not even the minimum fits', () => {
    const short = sizeBounds(template, headroom({ memoryMiB: 512 }));
    expect(short.memoryMiB.fits).toBe(false);
    expect(short.memoryMiB.max).toBe(short.memoryMiB.min);
    expect(short.fits).toBe(false);
    expect(sizeBounds(template, headroom({ vcpus: 0 })).fits).toBe(false);
    expect(sizeBounds(template, headroom({ diskGiB: 5 })).fits).toBe(false);
    expect(sizeBounds(template, headroom({ vms: 0 })).fits).toBe(false);
  });

  it('starts a custom size at the smallest the template allows, not half the quota', () => {
    const bounds = sizeBounds(template, headroom());
    // 1000 MiB rounds up to the next 64 MiB step.
    expect(defaultSize(template, bounds)).toEqual({ vcpus: 1, memoryMiB: 1024, diskGiB: 10 });
  });

  it('picks the smallest named size that suits the template and the quota', () => {
    const sizes = [
      { name: 'nano', vcpus: 1, memoryMiB: 256, diskGiB: 10 },
      { name: 'small', vcpus: 1, memoryMiB: 2048, diskGiB: 10 },
      { name: 'large', vcpus: 4, memoryMiB: 8192, diskGiB: 40 },
    ];
    const bounds = sizeBounds({ ...template, minMemoryMiB: 1024 }, headroom());
    expect(smallestFitting(sizes, bounds)?.name).toBe('small');
    expect(sizeFits(sizes[2]!, bounds)).toBe(sizeFits({ vcpus: 4, memoryMiB: 8192, diskGiB: 40 }, bounds));
    expect(smallestFitting(sizes, sizeBounds({ ...template, minMemoryMiB: 1024 }, headroom({ memoryMiB: 1024 })))).toBeNull();
  });
});

describe('exceedsHeadroom', () => {
  it('is true as soon as one figure is over, or no VM is left', () => {
    const size = { vcpus: 2, memoryMiB: 2048, diskGiB: 10 };
    expect(exceedsHeadroom(size, headroom())).toBe(false);
    expect(exceedsHeadroom(size, headroom({ vcpus: 1 }))).toBe(true);
    expect(exceedsHeadroom(size, headroom({ memoryMiB: 2047 }))).toBe(true);
    expect(exceedsHeadroom(size, headroom({ diskGiB: 9 }))).toBe(true);
    expect(exceedsHeadroom(size, headroom({ vms: 0 }))).toBe(true);
  });
});

describe('defaultVmName', () => {
  const sequence = (...values: number[]) => {
    let i = 0;
    return () => values[i++ % values.length] ?? 0;
  };

  it('is the template name with a random suffix, and valid', () => {
    const name = defaultVmName('ubuntu-24-04', sequence(0, 0.5, 0.99, 0.1));
    expect(name).toMatch(/^ubuntu-24-04-[a-z0-9]{4}$/);
    expect(VM_NAME_PATTERN.test(name)).toBe(true);
  });

  it('makes any template name into a valid VM name', () => {
    for (const raw of ['Ubuntu 24.04 LTS', '24.04', '---', '', `debian-${'x'.repeat(80)}`, 'Rocky_Linux 9']) {
      const name = defaultVmName(raw);
      expect(VM_NAME_PATTERN.test(name), `${raw} -> ${name}`).toBe(true);
    }
    expect(defaultVmName('Ubuntu 24.04 LTS', () => 0)).toBe('ubuntu-24-04-lts-aaaa');
    expect(defaultVmName('24.04', () => 0)).toBe('vm-24-04-aaaa');
  });
});

describe('patterns', () => {
  it('checks VM names like the server', () => {
    for (const name of ['a', 'web-1', `v${'x'.repeat(62)}`]) expect(VM_NAME_PATTERN.test(name)).toBe(true);
    for (const name of ['', 'Web', '1web', '-web', 'web_1', `v${'x'.repeat(63)}`]) expect(VM_NAME_PATTERN.test(name)).toBe(false);
  });

  it('accepts one OpenSSH public key line', () => {
    expect(SSH_PUBLIC_KEY_PATTERN.test('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3x me@laptop')).toBe(true);
    expect(SSH_PUBLIC_KEY_PATTERN.test('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ==')).toBe(true);
    expect(SSH_PUBLIC_KEY_PATTERN.test('ecdsa-sha2-nistp256 AAAAE2VjZHNh')).toBe(true);
    expect(SSH_PUBLIC_KEY_PATTERN.test('ssh-dss AAAAB3NzaC1kc3M')).toBe(false); // the server refuses DSA
    expect(SSH_PUBLIC_KEY_PATTERN.test(`ssh-ed25519 AAAA ${'c'.repeat(201)}`)).toBe(false);
    expect(SSH_PUBLIC_KEY_PATTERN.test('-----BEGIN OPENSSH PRIVATE KEY-----')).toBe(false);
    expect(SSH_PUBLIC_KEY_PATTERN.test('ssh-ed25519 AAAA a\nssh-ed25519 AAAA b')).toBe(false);
    expect(SSH_PUBLIC_KEY_PATTERN.test('hello')).toBe(false);
  });
});

describe('isImagePath', () => {
  it('accepts an absolute path the server accepts', () => {
    expect(isImagePath('/var/lib/campus/images/ubuntu-24.04.qcow2')).toBe(true);
    for (const path of ['', 'images/a.qcow2', '/var/../etc/shadow', '/var/lib/my image.qcow2', '/var/lib/$(id)']) {
      expect(isImagePath(path), path).toBe(false);
    }
  });
});

describe('formatVmSize', () => {
  it('reads "2 vCPU · 2 GiB · 10 GiB"', () => {
    expect(formatVmSize({ vcpus: 2, memoryMiB: 2048, diskGiB: 10 }, 'en')).toBe('2 vCPU · 2 GiB · 10 GiB');
    expect(formatVmSize({ vcpus: 1, memoryMiB: 1536, diskGiB: 20 }, 'en')).toBe('1 vCPU · 1.5 GiB · 20 GiB');
    // Below a GiB, memory reads in MiB ("128 MiB", not "0.13 GiB").
    expect(formatVmSize({ vcpus: 1, memoryMiB: 128, diskGiB: 1 }, 'en')).toBe('1 vCPU · 128 MiB · 1 GiB');
  });
});

describe('stepLabel', () => {
  it('translates the known steps and shows an unknown one as it is', () => {
    const { stepLabel } = useVmDisplay();
    expect(stepLabel('clone-disk')).toBe('Clone the disk');
    expect(stepLabel('wait-running')).toBe('Wait until it runs');
    expect(stepLabel('migrate-memory')).toBe('migrate-memory');
    expect(useVmDisplay().kindLabel('vm.create')).toBe('Create');
    expect(useVmDisplay().kindLabel('vm.migrate')).toBe('vm.migrate');
    i18n.global.locale.value = 'zh-CN';
    expect(stepLabel('reserve')).toBe('预留配额和积分');
    expect(stepLabel('migrate-memory')).toBe('migrate-memory');
  });
});
