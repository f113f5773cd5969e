import { computed } from 'vue';
import { i18n } from '@/i18n';

/** Locale-aware formatting of the API's ISO dates and numbers. */
export function useFormat() {
  const locale = computed(() => i18n.global.locale.value);

  const dateTimeFormat = computed(
    () => new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short' }),
  );
  const dateFormat = computed(() => new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium' }));
  const numberFormat = computed(() => new Intl.NumberFormat(locale.value, { maximumFractionDigits: 2 }));

  function parse(iso: string | null | undefined): Date | null {
    if (!iso) return null;
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? null : date;
  }

  function formatDateTime(iso: string | null | undefined, fallback = '—'): string {
    const date = parse(iso);
    return date ? dateTimeFormat.value.format(date) : fallback;
  }

  function formatDate(iso: string | null | undefined, fallback = '—'): string {
    const date = parse(iso);
    return date ? dateFormat.value.format(date) : fallback;
  }

  function formatNumber(value: number): string {
    return numberFormat.value.format(value);
  }

  /** "1 credit", "3 credits" (the plural form by the amount). */
  function formatCredits(value: number): string {
    return i18n.global.t('vms.credits', { cost: formatNumber(value) }, value === 1 ? 1 : 2);
  }

  /** Signed amount for ledgers: +100, −25. */
  function formatSigned(value: number): string {
    const formatted = numberFormat.value.format(Math.abs(value));
    if (value > 0) return `+${formatted}`;
    if (value < 0) return `−${formatted}`;
    return formatted;
  }

  return { formatDateTime, formatDate, formatNumber, formatCredits, formatSigned };
}
