import type { NetworkState } from '@/api/networks';

/** The colour of a network's state tag (the user's list and the admin's). */
export function networkStateType(s: NetworkState): 'success' | 'danger' | 'info' {
  if (s === 'ready') return 'success';
  if (s === 'error') return 'danger';
  return 'info';
}
