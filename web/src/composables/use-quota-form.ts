import type { QuotaFigures, QuotaLimitsPatch } from '../api/types';

// The admin's quota dialog: five optional limits, of which only the changed ones are sent.

export const QUOTA_FIELDS = ['vcpus', 'memoryMiB', 'diskGiB', 'vms', 'containers'] as const satisfies readonly (keyof QuotaFigures)[];
export type QuotaField = (typeof QUOTA_FIELDS)[number];

/** A field left empty keeps the current limit. */
export type QuotaForm = Record<QuotaField, number | null | undefined>;

export function emptyQuotaForm(): QuotaForm {
  return { vcpus: null, memoryMiB: null, diskGiB: null, vms: null, containers: null };
}

/** Whole numbers from 0 up; anything else is not a limit. */
export function isQuotaLimit(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * The limits to send: the fields filled with a valid limit that differs from the known one
 * (when the current limits are known, e.g. after a save). Empty fields are left out.
 */
export function quotaPatch(form: QuotaForm, known?: QuotaFigures | null): QuotaLimitsPatch {
  const patch: QuotaLimitsPatch = {};
  for (const field of QUOTA_FIELDS) {
    const value = form[field];
    if (!isQuotaLimit(value)) continue;
    if (known && known[field] === value) continue;
    patch[field] = value;
  }
  return patch;
}
