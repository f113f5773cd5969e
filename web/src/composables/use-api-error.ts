import { ElMessage } from 'element-plus';
import { isApiError } from '../api/api-error';
import { i18n } from '../i18n';

/** Form field name -> message, from a VALIDATION_FAILED error's issues. */
export type FieldErrors = Record<string, string>;

/** Codes whose server sentence says what collided and what to do, which no translation of the code can. */
const SERVER_WORDS = new Set(['CONFLICT']);

/** The text a person sees for an error: our translation of its code, else the server's message. */
export function errorMessage(error: unknown): string {
  const { t, te } = i18n.global;
  if (!isApiError(error)) return t('errors.UNKNOWN');
  if (error.code === 'RATE_LIMITED') {
    const seconds = error.retryAfterSeconds;
    return seconds === null
      ? t('errors.RATE_LIMITED_NO_WAIT')
      : t('errors.RATE_LIMITED', { retryAfterSeconds: Math.ceil(seconds) });
  }
  // A refusal that says what it costs and what is there reads as such ("costs 3 an hour; your balance is 0").
  const { needed, balance } = error.details;
  if (error.code === 'INSUFFICIENT_CREDITS' && typeof needed === 'number' && typeof balance === 'number') {
    return t('errors.INSUFFICIENT_CREDITS_AMOUNTS', { needed, balance });
  }
  const key = `errors.${error.code}`;
  // A conflict is only useful in the server's words ("the name \"shop\" is taken; choose
  // another"): English readers get them, others the translation with the words after it.
  if (SERVER_WORDS.has(error.code) && error.message) {
    return i18n.global.locale.value === 'en' ? error.message : `${t(key)} (${error.message})`;
  }
  // te() checks the current locale only; the fallback locale (en) has every known code.
  if (te(key) || te(key, 'en')) return t(key, messageParams(error.details));
  return error.message || t('errors.UNKNOWN');
}

/** Values a translated message names from the error's details ("open to {domains} only"). */
function messageParams(details: Record<string, unknown>): Record<string, string> {
  const domains = details.allowedDomains;
  return Array.isArray(domains) ? { domains: domains.join(', ') } : {};
}

/**
 * Maps validation issues onto form fields. The server's path may be "email" or
 * "body.email"; the last segment is the field name.
 */
export function fieldErrorsOf(error: unknown): FieldErrors {
  if (!isApiError(error)) return {};
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    // body.networkIds.0 is the networkIds field's error (an item of it).
    const field = issue.path.split('.').filter((seg) => seg && !/^\d+$/.test(seg)).at(-1);
    if (field && !(field in fields)) fields[field] = issue.message;
  }
  return fields;
}

/** Shows an error toast; with a request id for server faults so support can find it. */
export function notifyError(error: unknown): void {
  const message = errorMessage(error);
  const withId =
    isApiError(error) && error.status >= 500 && error.requestId
      ? `${message} (${i18n.global.t('common.requestId', { id: error.requestId })})`
      : message;
  ElMessage({ type: 'error', message: withId, grouping: true, showClose: true });
}
