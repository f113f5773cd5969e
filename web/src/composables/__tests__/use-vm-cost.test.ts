import { describe, expect, it } from 'vitest';
import { ref } from 'vue';
import type { Pricing } from '../../api/types';
import { hoursAffordable, useVmCost, vmCostPerHour, vmStoppedCostPerHour, type VmSize } from '../use-vm-cost';

const pricing: Pricing = { creditsPerVcpuHour: 2, creditsPerGiBMemoryHour: 1, creditsPerTenGiBDiskHour: 0.5 };

describe('vmCostPerHour', () => {
  it('adds vCPUs, whole GiB of memory and whole 10 GiB blocks of disk at their rates', () => {
    // 2 × 2 + 2 GiB × 1 + 1 block × 0.5
    expect(vmCostPerHour({ vcpus: 2, memoryMiB: 2048, diskGiB: 10 }, pricing)).toBe(6.5);
    // 4 × 2 + 8 × 1 + 5 × 0.5
    expect(vmCostPerHour({ vcpus: 4, memoryMiB: 8192, diskGiB: 50 }, pricing)).toBe(18.5);
  });

  it('rounds memory up to whole GiB', () => {
    expect(vmCostPerHour({ vcpus: 1, memoryMiB: 256, diskGiB: 10 }, pricing)).toBe(2 + 1 + 0.5);
    expect(vmCostPerHour({ vcpus: 1, memoryMiB: 1024, diskGiB: 10 }, pricing)).toBe(2 + 1 + 0.5);
    expect(vmCostPerHour({ vcpus: 1, memoryMiB: 1280, diskGiB: 10 }, pricing)).toBe(2 + 2 + 0.5);
  });

  it('rounds disk up to whole 10 GiB blocks', () => {
    expect(vmCostPerHour({ vcpus: 1, memoryMiB: 1024, diskGiB: 1 }, pricing)).toBe(2 + 1 + 0.5);
    expect(vmCostPerHour({ vcpus: 1, memoryMiB: 1024, diskGiB: 11 }, pricing)).toBe(2 + 1 + 1);
    expect(vmCostPerHour({ vcpus: 1, memoryMiB: 1024, diskGiB: 20 }, pricing)).toBe(2 + 1 + 1);
  });

  it('shows fractional rates without floating-point noise', () => {
    const tenths: Pricing = { creditsPerVcpuHour: 0.1, creditsPerGiBMemoryHour: 0.2, creditsPerTenGiBDiskHour: 0 };
    expect(vmCostPerHour({ vcpus: 1, memoryMiB: 1024, diskGiB: 10 }, tenths)).toBe(0.3);
  });

  it('is free when every rate is zero', () => {
    const free: Pricing = { creditsPerVcpuHour: 0, creditsPerGiBMemoryHour: 0, creditsPerTenGiBDiskHour: 0 };
    expect(vmCostPerHour({ vcpus: 8, memoryMiB: 16_384, diskGiB: 100 }, free)).toBe(0);
  });
});

describe('vmStoppedCostPerHour', () => {
  it('charges a stopped VM for its disk only, in whole 10 GiB blocks', () => {
    const pricing = { creditsPerVcpuHour: 2, creditsPerGiBMemoryHour: 3, creditsPerTenGiBDiskHour: 1.5 };
    expect(vmStoppedCostPerHour({ diskGiB: 25 }, pricing)).toBe(4.5);
    expect(vmStoppedCostPerHour({ diskGiB: 10 }, pricing)).toBe(1.5);
  });
});

describe('hoursAffordable', () => {
  it('counts whole hours and never goes below zero', () => {
    expect(hoursAffordable(100, 6.5)).toBe(15);
    expect(hoursAffordable(6, 6.5)).toBe(0);
    expect(hoursAffordable(-5, 1)).toBe(0);
  });

  it('has no answer for a free VM', () => {
    expect(hoursAffordable(100, 0)).toBeNull();
  });
});

describe('useVmCost', () => {
  it('follows the size, the prices and the balance', () => {
    const size = ref<VmSize | null>({ vcpus: 2, memoryMiB: 2048, diskGiB: 10 });
    const prices = ref<Pricing | null>(pricing);
    const balance = ref<number | null>(100);
    const cost = useVmCost(size, prices, balance);
    expect(cost.perHour.value).toBe(6.5);
    expect(cost.affordable.value).toBe(true);
    expect(cost.hours.value).toBe(15);

    size.value = { vcpus: 4, memoryMiB: 8192, diskGiB: 50 };
    expect(cost.perHour.value).toBe(18.5);

    balance.value = 18;
    expect(cost.affordable.value).toBe(false);
    balance.value = 18.5;
    expect(cost.affordable.value).toBe(true);
  });

  it('has no price until the size and the prices are known', () => {
    const cost = useVmCost(() => null, () => pricing, () => 10);
    expect(cost.perHour.value).toBeNull();
    expect(cost.affordable.value).toBe(false);
    const noPrices = useVmCost(() => ({ vcpus: 1, memoryMiB: 1024, diskGiB: 10 }), () => null, () => 10);
    expect(noPrices.perHour.value).toBeNull();
  });
});
