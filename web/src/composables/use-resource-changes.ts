import { onScopeDispose } from 'vue';
import { useNotificationsStore, type ResourceChange } from '../stores/notifications';

// Live pages: the server pushes "this VM changed" over the notification stream whenever an
// operation starts or ends on one of the person's resources, whoever started it (another tab,
// an admin, the meter, the trial ladder). A page showing that resource reads it again.

/**
 * Calls `reload` when a matching change arrives (all changes without `matches`; every page
 * after the stream reconnects). Stops when the calling component goes away.
 */
export function useResourceChanges(reload: (change: ResourceChange) => void, matches?: (change: ResourceChange) => boolean): void {
  const notifications = useNotificationsStore();
  const stop = notifications.onChange((change) => {
    if (change.type === '*' || !matches || matches(change)) reload(change);
  });
  onScopeDispose(stop);
}
