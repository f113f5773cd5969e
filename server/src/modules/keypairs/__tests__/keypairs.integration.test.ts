import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections } from '../../hosts/host-connections.js';
import { SshPool } from '../../../drivers/ssh/ssh-pool.js';
import { platformKey } from '../../../drivers/__tests__/lab-hosts.js';
import { finished, lab1, lab2, prepareLab, vmBody } from '../../vms/__tests__/vm-lab.js';

// Key pairs: saved once under Profile (validated as OpenSSH keys, fingerprint shown), private
// to their owner, and picked when creating a VM: they are in the seed the guest reads (checked
// in the ISO on the lab host), next to a pasted one-off key.

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII+UyNBtZrGPfUW2jq0IA2UVH7cf7LW2wPj6BTwuIArX ada@laptop';
const ECDSA_384 = 'ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBKj/O6WS11V59Mu4QfI56CzF2hwLbuipqt03+32GvqDHnePxhKNsuyLiMVz9Vd4t/8PRZWNEWPXZFdzZOMLtncjged5vjv6Xqs/1FavMekyODZUna8EtPFkGOL+0BP5JrA== root@vm';
const RSA_1024 = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDTkdjzRVl09P6dfFOuUR908WX8BCyzdJi9PamJGfRKRm4elNJJwBSPiYaeX1rD/UbveEtrieyOMwp0hakUK15KwS+SejBsbvE/KTFK52bWdNraojMw+tZ+jAh7imLIwtVvM5lrPleTBHBfhf75TKKZtTw4JBFYbWQk1uN+T04uNQ== root@vm';

let srv: TestServer;
let templateId: string;
const pool = new SshPool({ privateKey: platformKey() });
beforeAll(async () => { srv = await startServer(); startOperationWorker({ concurrency: 4 }); ({ templateId } = await prepareLab(srv.url)); });
afterAll(async () => { await stopOperations(); await srv.close(); await closeHostConnections(); pool.closeAll(); });

describe('key pairs', () => {
  it('saves valid OpenSSH keys with their fingerprint, refuses others in words, and keeps them private', async () => {
    const ada = new Client(srv.url);
    await ada.signup();
    const saved = await ada.post('/api/me/keys', { name: 'laptop', publicKey: `  ${ED25519}\n` });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body.key).toMatchObject({ name: 'laptop', type: 'ssh-ed25519', bits: 256, publicKey: ED25519, fingerprint: 'SHA256:yPUbaimVc7M1pOgFURtgNhg8wPocDmXmkDVOsmXdrbA' });

    const short = await ada.post('/api/me/keys', { name: 'old', publicKey: RSA_1024 });
    expect(short.status).toBe(400);
    expect(short.body.error.details.issues).toEqual([{ path: 'publicKey', message: 'an RSA key needs at least 2048 bits; this one has 1024' }]);
    expect((await ada.post('/api/me/keys', { name: 'x', publicKey: 'not a key' })).body.error.code).toBe('VALIDATION_FAILED');
    const again = await ada.post('/api/me/keys', { name: 'laptop copy', publicKey: ED25519 });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe('This key is already saved as "laptop".');
    expect((await ada.post('/api/me/keys', { name: 'laptop', publicKey: ECDSA_384 })).body.error.message).toBe('You already have a key named "laptop".');
    expect((await ada.get('/api/me/keys')).body.items.map((k: { name: string }) => k.name)).toEqual(['laptop']);
    expect(await db.sshKey.count()).toBe(1);

    const bob = new Client(srv.url);
    await bob.signup();
    expect((await bob.get('/api/me/keys')).body.items).toEqual([]);
    expect((await bob.delete(`/api/me/keys/${saved.body.key.id}`)).status).toBe(404);
    // Bob cannot put Ada's key into his VM either.
    expect((await bob.post('/api/vms', vmBody(templateId, { keyIds: [saved.body.key.id] }))).status).toBe(404);
    expect((await ada.delete(`/api/me/keys/${saved.body.key.id}`)).status).toBe(204);
    expect((await ada.get('/api/me/keys')).body.items).toEqual([]);
  });

  it('puts the picked keys and a pasted one into the VM\'s seed', async () => {
    const ada = new Client(srv.url);
    await ada.signup();
    const ed = (await ada.post('/api/me/keys', { name: 'laptop', publicKey: ED25519 })).body.key.id as string;
    const ec = (await ada.post('/api/me/keys', { name: 'desktop', publicKey: ECDSA_384 })).body.key.id as string;
    const pasted = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKa3aIMRlVf+m4uDxaiBbhchgJVL3e1OXupXul3CYI+o one-off';
    const created = await ada.post('/api/vms', vmBody(templateId, { keyIds: [ed, ec], sshPublicKey: pasted }));
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const id = created.body.vm.id as string;
    try {
      expect((await finished(ada, created.body.operation.id)).state).toBe('succeeded');
      const vm = await db.vm.findUniqueOrThrow({ where: { id }, include: { host: true } });
      const target = [lab1!, lab2!].find((l) => l.name === vm.host!.name)!.pinnedTarget;
      const userData = (await pool.exec(target, ['isoinfo', '-R', '-i', `${vm.host!.imageDir}/${vm.domainName}-seed.iso`, '-x', '/user-data'])).stdout;
      for (const line of [ED25519, ECDSA_384, pasted]) expect(userData).toContain(line);
    } finally {
      const del = await ada.delete(`/api/vms/${id}`);
      if (del.status === 202) await finished(ada, del.body.operation.id);
    }
  }, 240_000);
});
