import { useRoute, useRouter } from 'vue-router';

/**
 * The secret of a mailed link (`/page#token=...`). It rides in the fragment so no server
 * ever logs it; once read it is taken off the address bar, so it is not left in the history.
 */
export function useLinkToken(): string | null {
  const route = useRoute();
  const router = useRouter();
  const match = /^#token=([A-Za-z0-9_-]{20,})$/.exec(route.hash);
  if (match) void router.replace({ path: route.path, query: route.query, hash: '' });
  return match?.[1] ?? null;
}
