import { ref } from 'vue';
import { errorMessage } from './use-api-error';

/** A panel that reloads itself: one loading flag, the last error in words (cleared by a good load). */
export function useReload(work: () => Promise<void>) {
  const loading = ref(false);
  const error = ref<string | null>(null);
  async function load(): Promise<void> {
    loading.value = true;
    try {
      await work();
      error.value = null;
    } catch (e) {
      error.value = errorMessage(e);
    } finally {
      loading.value = false;
    }
  }
  return { loading, error, load };
}
