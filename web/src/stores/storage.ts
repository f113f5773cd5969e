import { defineStore } from 'pinia';
import { reactive, ref, shallowRef } from 'vue';
import { newIdempotencyKey } from '@/api/client';
import * as storageApi from '@/api/storage';
import type { Bucket, ObjectQuota } from '@/api/storage';
import { FileUpload } from '@/api/transfer';
import { exclusive, useSyncedList, withFlag } from './store-helpers';

// Buckets, the storage quota and the uploads of this page session (each a FileUpload that
// talks to S3 directly; the list survives moving between folders and buckets).

export const useStorageStore = defineStore('storage', () => {
  const buckets = useSyncedList<Bucket>(storageApi.listBuckets);
  const quota = ref<ObjectQuota | null>(null);
  const quotaLoading = ref(false);
  const creating = ref(false);
  // Shallow: the list changes by replacement; each upload is its own reactive object.
  const uploads = shallowRef<FileUpload[]>([]);

  async function fetchQuota(): Promise<void> {
    await withFlag(quotaLoading, async () => {
      quota.value = await storageApi.storageQuota();
    });
  }

  function createBucket(name: string): Promise<Bucket | null> {
    return exclusive(creating, async () => {
      const bucket = await storageApi.createBucket(name, { idempotencyKey: newIdempotencyKey() });
      buckets.remember(bucket);
      return bucket;
    });
  }

  async function deleteBucket(bucket: Bucket): Promise<void> {
    await storageApi.deleteBucket(bucket.name, { idempotencyKey: newIdempotencyKey() });
    buckets.forget(bucket.id);
  }

  /** Starts uploading files into bucket/prefix; `onEach` runs as each one ends. */
  function upload(bucket: string, prefix: string, files: File[], onEach: (task: FileUpload) => void, overwrite = false): FileUpload[] {
    const api = storageApi.bucketUploadApi(bucket);
    const tasks = files.map((file) => reactive(new FileUpload(api, file, prefix + file.name, { overwrite })) as FileUpload);
    uploads.value = [...tasks, ...uploads.value];
    for (const task of tasks) void task.run().then(() => onEach(task));
    return tasks;
  }

  function resume(task: FileUpload, onEnd: (task: FileUpload) => void): void {
    void task.run().then(() => onEnd(task));
  }

  function clearFinished(): void {
    uploads.value = uploads.value.filter((u) => u.state === 'uploading' || u.state === 'paused' || u.state === 'completing');
  }

  function reset(): void {
    buckets.clear();
    quota.value = null;
    for (const u of uploads.value) if (u.state === 'uploading') void u.cancel();
    uploads.value = [];
  }

  return { buckets, quota, quotaLoading, creating, uploads, fetchQuota, createBucket, deleteBucket, upload, resume, clearFinished, reset };
});
