import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import * as authApi from '@/api/auth';
import { isApiError } from '@/api/api-error';
import { newIdempotencyKey } from '@/api/client';
import * as meApi from '@/api/me';
import type { AuthOptions, LoginBody, Me, SignupBody, TwoFactorChallenge } from '@/api/types';
import { useAccountStore } from './account';
import { useAdminTemplatesStore } from './adminTemplates';
import { useAdminUsersStore } from './adminUsers';
import { useAdminVmsStore } from './adminVms';
import { useAuditStore } from './audit';
import { useCreditsStore } from './credits';
import { useFindingsStore } from './findings';
import { useHostsStore } from './hosts';
import { useQuotaStore } from './quota';
import { useTemplatesStore } from './templates';
import { useTokensStore } from './tokens';
import { useStorageStore } from './storage';
import { useVmsStore } from './vms';
import { useNotificationsStore } from './notifications';
import { exclusive } from './store-helpers';

export const useSessionStore = defineStore('session', () => {
  const user = ref<Me | null>(null);
  /** True once the first GET /api/me has answered (either way). */
  const loaded = ref(false);
  const refreshing = ref(false);
  const signingUp = ref(false);
  const loggingIn = ref(false);
  const loggingOut = ref(false);
  /** The password was right and the account asks for a code: the ticket for that step. */
  const challenge = ref<{ email: string; ticket: string; expiresAt: number } | null>(null);
  const verifyingCode = ref(false);
  /** What the site offers before sign-in (mail, allowed domains...), read once. */
  const options = ref<AuthOptions | null>(null);

  const isAuthenticated = computed(() => user.value !== null);
  const isAdmin = computed(() => user.value?.role === 'admin');
  /** An administrator this site requires to use two-factor sign-in, who has not set it up yet. */
  const mustSetUpTwoFactor = computed(() => Boolean(user.value?.twoFactor.required && !user.value.twoFactor.enabled));

  let pendingLoad: Promise<void> | null = null;

  /** Loads the current user once; the router guard awaits this before deciding. */
  function ensureLoaded(): Promise<void> {
    if (loaded.value) return Promise.resolve();
    pendingLoad ??= refresh().finally(() => {
      pendingLoad = null;
    });
    return pendingLoad;
  }

  /** Re-reads the current user (quota, credits, trial); 401 means "not logged in", not a failure. */
  async function refresh(): Promise<void> {
    refreshing.value = true;
    try {
      user.value = await meApi.getMe();
    } catch (error) {
      if (isApiError(error) && error.code === 'UNAUTHENTICATED') {
        user.value = null;
      } else if (!loaded.value) {
        // Server unreachable at boot: treat as logged out so the login page can show the error.
        user.value = null;
        throw error;
      } else {
        throw error;
      }
    } finally {
      loaded.value = true;
      refreshing.value = false;
    }
  }

  /** Resolves to null when a signup is already running (a double submit). */
  function signup(body: SignupBody): Promise<Me | null> {
    return exclusive(signingUp, async () => signedIn(await authApi.signup(body, { idempotencyKey: newIdempotencyKey() })));
  }

  /**
   * Resolves to the user, or to the challenge when the account asks for a code next (the
   * ticket is kept here for loginWithCode); null when a login is already running.
   */
  function login(body: LoginBody): Promise<Me | TwoFactorChallenge | null> {
    return exclusive(loggingIn, async () => {
      const answer = await authApi.login(body, { idempotencyKey: newIdempotencyKey() });
      if ('twoFactorRequired' in answer) {
        challenge.value = { email: body.email, ticket: answer.ticket, expiresAt: Date.now() + answer.expiresInSeconds * 1000 };
        return answer;
      }
      challenge.value = null;
      return signedIn(answer);
    });
  }

  /** The second step with a code from the app or a recovery code; an expired step is forgotten. */
  function loginWithCode(code: string): Promise<Me | null> {
    return exclusive(verifyingCode, async () => {
      const step = challenge.value;
      if (!step) return null;
      try {
        const me = await authApi.loginTwoFactor(step.ticket, code, { idempotencyKey: newIdempotencyKey() });
        challenge.value = null;
        return signedIn(me);
      } catch (error) {
        if (isApiError(error) && error.code === 'LOGIN_STEP_EXPIRED') challenge.value = null;
        throw error;
      }
    });
  }

  function cancelChallenge(): void {
    challenge.value = null;
  }

  async function loadOptions(): Promise<AuthOptions> {
    options.value ??= await authApi.authOptions();
    return options.value;
  }

  /** The user a signup or login answered with. */
  function signedIn(me: Me): Me {
    user.value = me;
    loaded.value = true;
    return me;
  }

  async function logout(): Promise<void> {
    if (loggingOut.value) return;
    loggingOut.value = true;
    try {
      await authApi.logout({ idempotencyKey: newIdempotencyKey() });
    } catch (error) {
      // An expired session is already logged out; anything else is worth reporting.
      if (!(isApiError(error) && error.code === 'UNAUTHENTICATED')) throw error;
    } finally {
      loggingOut.value = false;
    }
    clear();
  }

  /** Forgets the user and everything loaded on their behalf (after logout or any 401). */
  function clear(): void {
    user.value = null;
    loaded.value = true;
    challenge.value = null;
    useAccountStore().reset();
    useTokensStore().reset();
    useStorageStore().reset();
    useCreditsStore().reset();
    useAdminUsersStore().reset();
    useAuditStore().reset();
    useHostsStore().reset();
    useVmsStore().reset();
    useQuotaStore().reset();
    useTemplatesStore().reset();
    useAdminTemplatesStore().reset();
    useAdminVmsStore().reset();
    useFindingsStore().reset();
    useNotificationsStore().reset();
  }

  return {
    user,
    loaded,
    refreshing,
    signingUp,
    loggingIn,
    loggingOut,
    challenge,
    verifyingCode,
    options,
    isAuthenticated,
    isAdmin,
    mustSetUpTwoFactor,
    ensureLoaded,
    refresh,
    signup,
    login,
    loginWithCode,
    cancelChallenge,
    loadOptions,
    logout,
    clear,
  };
});
