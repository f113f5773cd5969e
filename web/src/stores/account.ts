import { defineStore } from 'pinia';
import { ref } from 'vue';
import * as accountApi from '@/api/account';
import { newIdempotencyKey } from '@/api/client';
import type { ChangePasswordBody, Security, TotpEnrolment } from '@/api/types';
import { exclusive, withFlag } from './store-helpers';

// The profile page's security section: password, two-factor sign-in, email confirmation.
// Secrets (the TOTP seed, recovery codes) are never kept here: the dialog that shows them
// holds them and forgets them when it closes.
export const useAccountStore = defineStore('account', () => {
  const security = ref<Security | null>(null);
  const loading = ref(false);
  const changingPassword = ref(false);
  const resending = ref(false);
  const working = ref(false);

  async function fetch(): Promise<void> {
    await withFlag(loading, async () => {
      security.value = await accountApi.getSecurity();
    });
  }

  /** Resolves to how many other sessions were signed out; null on a double submit. */
  function changePassword(body: ChangePasswordBody): Promise<number | null> {
    return exclusive(changingPassword, async () => {
      const closed = await accountApi.changePassword(body, { idempotencyKey: newIdempotencyKey() });
      if (security.value) security.value = { ...security.value, passwordChangedAt: new Date().toISOString() };
      return closed;
    });
  }

  function resendVerification(): Promise<true | null> {
    return exclusive(resending, async () => {
      await accountApi.resendVerification({ idempotencyKey: newIdempotencyKey() });
      return true as const;
    });
  }

  function startTotp(password: string): Promise<TotpEnrolment | null> {
    return exclusive(working, () => accountApi.startTotp(password, { idempotencyKey: newIdempotencyKey() }));
  }

  /** Turns two-factor on; resolves to the recovery codes to show once. */
  function confirmTotp(code: string): Promise<string[] | null> {
    return exclusive(working, async () => {
      const codes = await accountApi.confirmTotp(code, { idempotencyKey: newIdempotencyKey() });
      await fetch();
      return codes;
    });
  }

  function disableTotp(password: string, code: string): Promise<true | null> {
    return exclusive(working, async () => {
      await accountApi.disableTotp(password, code, { idempotencyKey: newIdempotencyKey() });
      await fetch();
      return true as const;
    });
  }

  function regenerateRecoveryCodes(password: string, code: string): Promise<string[] | null> {
    return exclusive(working, async () => {
      const codes = await accountApi.regenerateRecoveryCodes(password, code, { idempotencyKey: newIdempotencyKey() });
      await fetch();
      return codes;
    });
  }

  function reset(): void {
    security.value = null;
  }

  return {
    security, loading, changingPassword, resending, working,
    fetch, changePassword, resendVerification, startTotp, confirmTotp, disableTotp, regenerateRecoveryCodes, reset,
  };
});
