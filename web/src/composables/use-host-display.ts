import { computed } from 'vue';
import type { HostCapacity, HostStatus } from '../api/types';
import { i18n } from '../i18n';

// How hosts are shown: status colours, capacity figures and "last seen 3 minutes ago".
// Pure functions take the locale as an argument so they can be tested without a component.

// The form checks what the server's schema checks (server/src/modules/hosts/hosts.schemas.ts),
// so a typo is caught before the server spends up to 15 s probing.

/** Host and zone names. */
export const HOST_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
/** A Unix user name. */
export const SSH_USER_PATTERN = /^[a-z_][a-z0-9_-]{0,31}$/;
const HOSTNAME_PATTERN = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An IPv4 address or DNS name (the hostname rule covers dotted quads), or something IPv6-shaped. */
export function isHostAddress(value: string): boolean {
  const address = value.trim();
  if (HOSTNAME_PATTERN.test(address)) return true;
  return address.includes(':') && /^[0-9A-Fa-f:.]+$/.test(address);
}

export type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger';

const STATUS_TAG: Record<HostStatus, TagType> = {
  ready: 'success',
  error: 'danger',
  unreachable: 'warning',
  pending: 'primary',
};

export function hostStatusTagType(status: HostStatus): TagType {
  return STATUS_TAG[status] ?? 'info';
}

export interface DiskUsage {
  usedBytes: number;
  totalBytes: number;
  freeBytes: number;
  /** 0–100, whole numbers. */
  percent: number;
}

/** Used/total from a probe's disk figures; null until a probe has measured both. */
export function diskUsage(capacity: HostCapacity): DiskUsage | null {
  const { diskTotalBytes: total, diskFreeBytes: free } = capacity;
  if (total === null || free === null || !(total > 0)) return null;
  const freeBytes = Math.min(Math.max(free, 0), total);
  const usedBytes = total - freeBytes;
  return { usedBytes, totalBytes: total, freeBytes, percent: Math.min(100, Math.round((usedBytes / total) * 100)) };
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Binary units, at most one decimal: 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number, locale: string): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${BYTE_UNITS[unit]}`;
}

export function formatMemoryMiB(mebibytes: number, locale: string): string {
  return formatBytes(mebibytes * 1024 * 1024, locale);
}

/** "now", "5 minutes ago", "yesterday" … in the given locale; null for a missing date. */
export function relativeTime(iso: string | null, now: number, locale: string): string | null {
  if (!iso) return null;
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return null;
  const seconds = Math.round((then - now) / 1000);
  const abs = Math.abs(seconds);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  if (abs < 10) return format.format(0, 'second');
  if (abs < 60) return format.format(seconds, 'second');
  if (abs < 3600) return format.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return format.format(Math.round(seconds / 3600), 'hour');
  return format.format(Math.round(seconds / 86_400), 'day');
}

/** The pure helpers above, bound to the app's current language. */
export function useHostDisplay() {
  const locale = computed(() => i18n.global.locale.value);
  return {
    statusType: hostStatusTagType,
    diskUsage,
    formatBytes: (bytes: number) => formatBytes(bytes, locale.value),
    formatMemory: (mebibytes: number) => formatMemoryMiB(mebibytes, locale.value),
    relativeTime: (iso: string | null, now = Date.now()) => relativeTime(iso, now, locale.value),
  };
}
