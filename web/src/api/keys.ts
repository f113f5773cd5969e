import { api, type RequestOptions } from './client';
import type { CreateKeyBody, SshKey, SshKeyList, SshKeyResponse } from './contract';

export type { SshKey } from './contract';

/** My saved SSH public keys, oldest first. */
export async function listKeys(): Promise<SshKey[]> {
  const { items } = await api.get<SshKeyList>('/api/me/keys');
  return items;
}

/** 400 VALIDATION_FAILED (issues on publicKey, in words) for a key that is not one OpenSSH line of an accepted type; 409 when saved already. */
export async function addKey(name: string, publicKey: string, options?: RequestOptions): Promise<SshKey> {
  return (await api.post<SshKeyResponse>('/api/me/keys', { name, publicKey } satisfies CreateKeyBody, options)).key;
}

export function deleteKey(id: string, options?: RequestOptions): Promise<void> {
  return api.delete(`/api/me/keys/${encodeURIComponent(id)}`, options);
}
