import { config } from '../../config.js';
import { AppError } from '../../platform/errors.js';
import { ObjectStore, ObjectStoreError } from '../../drivers/s3/object-store.js';

// The process's one S3 client, made on first use from config. Services call the store through
// `s3()`, which turns the store's failures into the platform's error shape.

let store: ObjectStore | undefined;

export function objectStore(): ObjectStore {
  if (!config.S3_SECRET_ACCESS_KEY) {
    throw new AppError('SERVICE_UNAVAILABLE', 'Object storage is not configured: set S3_SECRET_ACCESS_KEY (or S3_SECRET_ACCESS_KEY_FILE).');
  }
  store ??= new ObjectStore({
    endpoint: config.S3_ENDPOINT, publicEndpoint: config.S3_PUBLIC_ENDPOINT, region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY, forcePathStyle: config.S3_FORCE_PATH_STYLE,
  });
  return store;
}

export function storageError(e: unknown): unknown {
  if (!(e instanceof ObjectStoreError)) return e;
  if (e.kind === 'unavailable') return new AppError('SERVICE_UNAVAILABLE', 'Object storage is unavailable right now; try again in a moment.', { reason: e.message });
  if (e.kind === 'bucket-not-empty') return new AppError('CONFLICT', 'The bucket is not empty; delete its objects first.');
  if (e.kind === 'no-such-bucket' || e.kind === 'no-such-upload') return new AppError('NOT_FOUND', `${e.kind === 'no-such-bucket' ? 'Bucket' : 'Upload'} was not found on the S3 server.`);
  return new AppError('CONFLICT', `The S3 server refused: ${e.message}`);
}

/** Runs a store call; its failures come back in the platform's error shape. */
export async function s3<T>(run: (store: ObjectStore) => Promise<T>): Promise<T> {
  try {
    return await run(objectStore());
  } catch (e) {
    throw storageError(e);
  }
}
