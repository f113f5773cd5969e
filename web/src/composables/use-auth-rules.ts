import type { FormItemRule } from 'element-plus';
import { i18n } from '@/i18n';

// Form rules the sign-in pages and account dialogs share; read them inside a computed so
// they follow the language.

/** As the server's Password schema: at least 10 characters. */
export const MIN_PASSWORD = 10;

export function emailRules(): FormItemRule[] {
  const { t } = i18n.global;
  return [
    { required: true, message: t('auth.emailRequired'), trigger: 'blur' },
    { type: 'email', message: t('auth.emailInvalid'), trigger: 'blur' },
  ];
}

/** Rules for a new password. */
export function newPasswordRules(): FormItemRule[] {
  const { t } = i18n.global;
  return [
    { required: true, message: t('auth.passwordRequired'), trigger: 'blur' },
    { min: MIN_PASSWORD, message: t('auth.passwordTooShort'), trigger: 'blur' },
  ];
}

/** Rules for typing the new password again: it must equal `password()`. */
export function confirmPasswordRules(password: () => string): FormItemRule[] {
  const { t } = i18n.global;
  return [
    { required: true, message: t('auth.reset.confirmRequired'), trigger: 'blur' },
    {
      validator: (_rule, value: string, callback: (error?: Error) => void) =>
        callback(value === password() ? undefined : new Error(t('auth.reset.mismatch'))),
      trigger: 'blur',
    },
  ];
}
