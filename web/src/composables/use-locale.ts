import { computed } from 'vue';
import type { Language } from 'element-plus/es/locale';
import elementEn from 'element-plus/es/locale/lang/en';
import elementZhCn from 'element-plus/es/locale/lang/zh-cn';
import { i18n, LOCALE_STORAGE_KEY, SUPPORTED_LOCALES, type AppLocale } from '@/i18n';

const elementLocales: Record<AppLocale, Language> = { 'zh-CN': elementZhCn, en: elementEn };

/** Applies a locale to the document; called at boot and on every switch. */
export function applyDocumentLocale(locale: AppLocale): void {
  document.documentElement.lang = locale;
}

/** The app-wide language: vue-i18n, Element Plus and <html lang> switch together. */
export function useLocale() {
  const locale = computed<AppLocale>(() => i18n.global.locale.value);
  const elementLocale = computed(() => elementLocales[locale.value]);

  function setLocale(next: AppLocale): void {
    i18n.global.locale.value = next;
    applyDocumentLocale(next);
    try {
      localStorage.setItem(LOCALE_STORAGE_KEY, next);
    } catch {
      // Not persisted when storage is blocked; the switch still applies to this tab.
    }
  }

  return { locale, elementLocale, setLocale, locales: SUPPORTED_LOCALES };
}
