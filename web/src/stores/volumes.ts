import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import * as volumesApi from '@/api/volumes';
import type { Volume, VolumeOperationResult, VolumeSnapshot } from '@/api/volumes';

// The user's volumes. Every change is an operation: the store keeps the accepted row and the
// page polls the list while any volume is held by one.

export const useVolumesStore = defineStore('volumes', () => {
  const items = ref<Volume[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const snapshots = ref<Map<string, VolumeSnapshot[]>>(new Map());
  // Also while an attached VM is being deleted: its volumes come back detached when it is gone.
  const busy = computed(() => items.value.some((v) => v.currentOperationId !== null || v.state === 'creating' || v.state === 'deleting' || v.vm?.state === 'deleting'));

  async function fetch(options: { silent?: boolean } = {}): Promise<Volume[]> {
    if (!options.silent) loading.value = true;
    try {
      items.value = await volumesApi.listVolumes();
      loaded.value = true;
      return items.value;
    } finally {
      loading.value = false;
    }
  }

  function accept(result: VolumeOperationResult): VolumeOperationResult {
    const i = items.value.findIndex((v) => v.id === result.volume.id);
    if (i >= 0) items.value.splice(i, 1, result.volume);
    else items.value.unshift(result.volume);
    return result;
  }

  async function fetchSnapshots(id: string): Promise<VolumeSnapshot[]> {
    const list = await volumesApi.listVolumeSnapshots(id);
    snapshots.value.set(id, list);
    return list;
  }

  return {
    items, loading, loaded, busy, snapshots, fetch, fetchSnapshots,
    create: async (body: { name: string; sizeGiB: number; vmId?: string }) => accept(await volumesApi.createVolume(body)),
    resize: async (id: string, sizeGiB: number) => accept(await volumesApi.resizeVolume(id, sizeGiB)),
    attach: async (id: string, vmId: string) => accept(await volumesApi.attachVolume(id, vmId)),
    detach: async (id: string) => accept(await volumesApi.detachVolume(id)),
    remove: async (id: string) => accept(await volumesApi.deleteVolume(id)),
    snapshot: async (id: string, action: 'create' | 'revert' | 'delete', name: string) =>
      accept(await (action === 'create' ? volumesApi.createVolumeSnapshot : action === 'revert' ? volumesApi.revertVolumeSnapshot : volumesApi.deleteVolumeSnapshot)(id, name)),
  };
});
