import { computed, toValue, type MaybeRefOrGetter } from 'vue';
import type { Pricing } from '../api/types';

// The one place the SPA prices a VM. The server bills with the same formula
// (cost per hour = vCPUs + memory in whole GiB + disk in whole 10 GiB blocks, each at its rate),
// so the wizard's "≈ N credits/hour" matches what the VM then costs.

export interface VmSize {
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
}

/** Credits per hour; memory rounds up to whole GiB, disk up to whole 10 GiB blocks. */
export function vmCostPerHour(size: VmSize, pricing: Pricing): number {
  const cost =
    size.vcpus * pricing.creditsPerVcpuHour +
    Math.ceil(size.memoryMiB / 1024) * pricing.creditsPerGiBMemoryHour +
    Math.ceil(size.diskGiB / 10) * pricing.creditsPerTenGiBDiskHour;
  // Fractional rates (0.1 + 0.2) must not show as 0.30000000000000004.
  return Math.round(cost * 1e6) / 1e6;
}

/** Credits per hour while stopped: the disk only (the server meters the same way). */
export function vmStoppedCostPerHour(size: Pick<VmSize, 'diskGiB'>, pricing: Pricing): number {
  return Math.round(Math.ceil(size.diskGiB / 10) * pricing.creditsPerTenGiBDiskHour * 1e6) / 1e6;
}

/** Whole hours a balance pays for at this rate; null when the VM costs nothing. */
export function hoursAffordable(balance: number, perHour: number): number | null {
  if (!(perHour > 0)) return null;
  return Math.max(0, Math.floor(balance / perHour));
}

/**
 * A live price for a size being chosen. `affordable` is false when the balance does not
 * cover one hour at this rate (the wizard then refuses to submit).
 */
export function useVmCost(
  size: MaybeRefOrGetter<VmSize | null>,
  pricing: MaybeRefOrGetter<Pricing | null>,
  balance: MaybeRefOrGetter<number | null>,
) {
  const perHour = computed(() => {
    const s = toValue(size);
    const p = toValue(pricing);
    return s && p ? vmCostPerHour(s, p) : null;
  });
  const stoppedPerHour = computed(() => {
    const s = toValue(size);
    const p = toValue(pricing);
    return s && p ? vmStoppedCostPerHour(s, p) : null;
  });
  const affordable = computed(() => {
    const cost = perHour.value;
    const b = toValue(balance);
    return cost !== null && b !== null && cost <= b;
  });
  const hours = computed(() => {
    const cost = perHour.value;
    const b = toValue(balance);
    return cost === null || b === null ? null : hoursAffordable(b, cost);
  });
  return { perHour, stoppedPerHour, affordable, hours };
}
