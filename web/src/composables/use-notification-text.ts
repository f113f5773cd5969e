import { useI18n } from 'vue-i18n';
import type { AppNotification } from '@/api/notifications';
import { useFormat } from './use-format';

/** Kinds the SPA words itself (in the reader's language); anything else shows the server's English text. */
const KNOWN = new Set(['vm.stopped.credits', 'vm.stopped.trial', 'container.stopped.credits', 'container.stopped.trial', 'trial.ending', 'trial.ended', 'trial.final-notice', 'trial.deleted', 'trial.extended',
  'operation.failed', 'alert.firing', 'alert.resolved', 'template.failing', 'vm.admin-action']);

export function useNotificationText() {
  const { t, te } = useI18n();
  const { formatDateTime } = useFormat();
  return (n: AppNotification): string => {
    if (!KNOWN.has(n.kind)) return n.text;
    const p = { ...(n.params ?? {}) } as Record<string, unknown>;
    for (const k of ['endsAt', 'deleteAt']) if (typeof p[k] === 'string') p[k] = formatDateTime(p[k] as string);
    if (typeof p.hours === 'number') p.days = Math.round(p.hours / 24);
    const key = `notifications.kinds.${n.kind}`;
    if (n.kind === 'alert.firing' || n.kind === 'alert.resolved') {
      const alertKey = `monitoring.alertNames.${String(p.alertname)}`;
      p.what = te(alertKey) ? t(alertKey, { host: p.host ?? '' }) : String(p.summary ?? '');
    }
    if (n.kind === 'operation.failed') {
      const opKey = `operations.kinds.${String(p.operation)}`;
      p.operation = te(opKey) ? t(opKey) : String(p.operation ?? '');
    }
    if (n.kind === 'vm.admin-action') {
      // The action in the reader's words; the admin's reason as they wrote it.
      const verbKey = `notifications.adminVerbs.${String(p.action)}`;
      p.verb = te(verbKey) ? t(verbKey) : String(p.action ?? '');
      if (typeof p.reason === 'string' && p.reason) return t(`${key}-reason`, p);
    }
    return t(n.kind === 'trial.ending' && typeof p.hours === 'number' && p.hours < 48 ? `${key}Hours` : key, p);
  };
}
