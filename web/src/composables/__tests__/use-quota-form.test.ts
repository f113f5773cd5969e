import { describe, expect, it } from 'vitest';
import { emptyQuotaForm, isQuotaLimit, quotaPatch } from '../use-quota-form';

describe('quotaPatch', () => {
  it('sends nothing for an empty form', () => {
    expect(quotaPatch(emptyQuotaForm())).toEqual({});
  });

  it('sends only the filled fields, zero included', () => {
    expect(quotaPatch({ vcpus: 8, memoryMiB: null, diskGiB: undefined, vms: 0, containers: 4 })).toEqual({ vcpus: 8, vms: 0, containers: 4 });
  });

  it('leaves out values equal to the known limits', () => {
    const known = { vcpus: 8, memoryMiB: 8192, diskGiB: 100, vms: 3, containers: 5 };
    expect(quotaPatch({ vcpus: 8, memoryMiB: 16384, diskGiB: 100, vms: null, containers: 5 }, known)).toEqual({ memoryMiB: 16384 });
  });

  it('ignores values that are not whole numbers from 0 up', () => {
    expect(quotaPatch({ vcpus: -1, memoryMiB: 1.5, diskGiB: Number.NaN, vms: 2, containers: null })).toEqual({ vms: 2 });
    expect(isQuotaLimit(0)).toBe(true);
    expect(isQuotaLimit(-1)).toBe(false);
    expect(isQuotaLimit('3')).toBe(false);
  });
});
