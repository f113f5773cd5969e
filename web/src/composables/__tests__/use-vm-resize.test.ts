import { describe, expect, it } from 'vitest';
import type { QuotaFigures } from '../../api/types';
import { canUseSnapshots, resizeBounds, resizeChanges, RESIZE_MEMORY_STEP_MIB, VM_MAX } from '../use-vm-display';

const current = { vcpus: 2, memoryMiB: 2048, diskGiB: 20 };
const headroom = (figures: Partial<QuotaFigures> = {}): QuotaFigures => ({
  vcpus: 2,
  memoryMiB: 1000,
  diskGiB: 30,
  vms: 0,
  containers: 0,
  ...figures,
});

describe('resizeBounds', () => {
  it("counts the VM's own size as available", () => {
    const b = resizeBounds(current, headroom());
    expect(b.vcpus).toEqual({ min: 1, max: 4, fits: true });
    // 2048 + 1000 = 3048, down to a multiple of 64.
    expect(b.memoryMiB.max).toBe(3008);
    expect(b.memoryMiB.max % RESIZE_MEMORY_STEP_MIB).toBe(0);
    expect(b.diskGiB).toEqual({ min: 20, max: 50, fits: true });
  });

  it('lets the disk only grow', () => {
    expect(resizeBounds(current, headroom()).diskGiB.min).toBe(current.diskGiB);
  });

  it('does not need a VM left in the quota', () => {
    expect(resizeBounds(current, headroom({ vms: 0 })).vcpus.fits).toBe(true);
  });

  it('caps at the per-VM maximum', () => {
    const b = resizeBounds(current, headroom({ vcpus: 100, memoryMiB: 1_000_000, diskGiB: 10_000 }));
    expect(b.vcpus.max).toBe(VM_MAX.vcpus);
    expect(b.memoryMiB.max).toBe(VM_MAX.memoryMiB);
    expect(b.diskGiB.max).toBe(VM_MAX.diskGiB);
  });

  it("follows the template's minimum memory and maximum disk when known", () => {
    const b = resizeBounds(current, headroom({ diskGiB: 500 }), { minMemoryMiB: 1000, maxDiskGiB: 40 });
    expect(b.memoryMiB.min).toBe(1024);
    expect(b.diskGiB.max).toBe(40);
    expect(resizeBounds(current, headroom()).memoryMiB.min).toBe(RESIZE_MEMORY_STEP_MIB);
  });

  it('always keeps the current size inside, even past a lowered quota', () => {
    const big = { vcpus: 8, memoryMiB: 8000, diskGiB: 100 };
    const b = resizeBounds(big, headroom({ vcpus: -4, memoryMiB: -2048, diskGiB: -50 }), { minMemoryMiB: 16_000, maxDiskGiB: 50 });
    expect(b.vcpus.max).toBe(8);
    expect(b.memoryMiB.min).toBeLessThanOrEqual(8000);
    expect(b.memoryMiB.max).toBeGreaterThanOrEqual(8000);
    expect(b.diskGiB).toEqual({ min: 100, max: 100, fits: true });
  });
});

describe('resizeChanges', () => {
  it('carries only the figures that changed', () => {
    expect(resizeChanges(current, { ...current })).toEqual({});
    expect(resizeChanges(current, { ...current, vcpus: 4 })).toEqual({ vcpus: 4 });
    expect(resizeChanges(current, { vcpus: 2, memoryMiB: 4096, diskGiB: 30 })).toEqual({ memoryMiB: 4096, diskGiB: 30 });
  });
});

describe('canUseSnapshots', () => {
  it('allows snapshots on a running or stopped VM without an operation', () => {
    expect(canUseSnapshots({ state: 'running', currentOperationId: null })).toBe(true);
    expect(canUseSnapshots({ state: 'stopped', currentOperationId: null })).toBe(true);
    expect(canUseSnapshots({ state: 'running', currentOperationId: 'op' })).toBe(false);
    expect(canUseSnapshots({ state: 'starting', currentOperationId: null })).toBe(false);
    expect(canUseSnapshots({ state: 'error', currentOperationId: null })).toBe(false);
  });
});
