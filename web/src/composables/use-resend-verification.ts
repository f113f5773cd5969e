import { ElMessage } from 'element-plus';
import { i18n } from '@/i18n';
import { notifyError } from './use-api-error';
import { useAccountStore } from '@/stores/account';

/** "Send the link again" for an unconfirmed address: the request, then a toast either way. */
export function useResendVerification(): { resend: (email: string) => Promise<void> } {
  const account = useAccountStore();
  async function resend(email: string): Promise<void> {
    try {
      if (await account.resendVerification()) ElMessage.success(i18n.global.t('verifyBanner.resent', { email }));
    } catch (error) {
      notifyError(error);
    }
  }
  return { resend };
}
