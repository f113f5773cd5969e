import type { Operation } from '../api/types';
import { i18n } from '../i18n';

// Who or what started an operation, in words: "by you", "by an administrator (Ada): moving
// hosts", "by the platform: your credits ran out". The task log and the operation panel say it.

type StartedBy = NonNullable<Operation['startedBy']>;

/** Pure: the words for an initiator, seen by the person `viewerId`. */
export function startedByText(by: StartedBy, viewerId: string | null): string {
  const { t, te } = i18n.global;
  if (by.kind === 'platform') {
    const key = `operations.by.platformReasons.${by.reason ?? ''}`;
    const reason = by.reason && (te(key) || te(key, 'en')) ? t(key) : by.reason;
    return reason ? t('operations.by.platformBecause', { reason }) : t('operations.by.platform');
  }
  // The administrator reading the log of a VM they acted on: "by you", with the reason they gave.
  if (by.userId && by.userId === viewerId) return by.reason ? t('operations.by.because', { who: t('operations.by.you'), reason: by.reason }) : t('operations.by.you');
  if (by.kind === 'admin') {
    const who = by.name ? t('operations.by.adminNamed', { name: by.name }) : t('operations.by.admin');
    return by.reason ? t('operations.by.because', { who, reason: by.reason }) : who;
  }
  return by.name ? t('operations.by.userNamed', { name: by.name }) : t('operations.by.owner');
}

/** Bound to the viewer (the signed-in person's id, from the session store). */
export function useOperationText(viewerId: () => string | null) {
  return {
    startedBy: (op: Pick<Operation, 'startedBy'>) => (op.startedBy ? startedByText(op.startedBy, viewerId()) : ''),
  };
}
