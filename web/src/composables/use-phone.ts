import { onScopeDispose, ref, type Ref } from 'vue';

/** Below this width the app is laid out for a phone: drawer navigation, tables as cards, one column. */
export const PHONE_MAX_WIDTH_PX = 768;

const query = `(max-width: ${PHONE_MAX_WIDTH_PX}px)`;

/** True while the window is phone-sized; follows rotation and resizing. */
export function useIsPhone(): Ref<boolean> {
  const media = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(query) : null;
  const isPhone = ref(media?.matches ?? false);
  if (media) {
    const onChange = (event: MediaQueryListEvent) => (isPhone.value = event.matches);
    media.addEventListener('change', onChange);
    onScopeDispose(() => media.removeEventListener('change', onChange));
  }
  return isPhone;
}
