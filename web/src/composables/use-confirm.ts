import { ElMessageBox } from 'element-plus';
import { i18n } from '@/i18n';

/** Asks before a destructive action; true when the person confirmed. */
export async function confirmDanger(message: string, title: string, confirmText: string): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, {
      type: 'warning', confirmButtonText: confirmText, cancelButtonText: i18n.global.t('common.cancel'), confirmButtonClass: 'el-button--danger',
    });
    return true;
  } catch {
    return false;
  }
}
