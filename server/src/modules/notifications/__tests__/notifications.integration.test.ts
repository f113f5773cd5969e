import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client, resetState, startServer, type TestServer } from '../../../test/harness.js';
import { notify, notifyAdmins, publishChange } from '../notifications.service.js';
import { adminClient } from '../../../test/harness.js';

// The bell: rows per reader, unread count, mark read, and live delivery over SSE from
// whichever process created the notification (through Redis pub/sub).

let srv: TestServer;
beforeAll(async () => { srv = await startServer(); });
afterAll(async () => { await srv.close(); });
beforeEach(async () => { await resetState(); });

/** Opens the SSE stream with the client's cookie and collects its events. */
async function openStream(c: Client) {
  const ac = new AbortController();
  const res = await fetch(`${srv.url}/api/notifications/stream`, { headers: { cookie: c.cookie }, signal: ac.signal });
  const events: { event: string; data: any }[] = [];
  const reader = res.body!.getReader();
  let buf = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += new TextDecoder().decode(value);
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch { /* aborted */ }
  })();
  return { res, events, close: () => ac.abort() };
}

describe('notifications', () => {
  it('lists newest first with the unread count, marks read, and is private to its reader', async () => {
    const alice = new Client(srv.url);
    const a = await alice.signup();
    const bob = new Client(srv.url);
    await bob.signup();
    await notify(a.id, { kind: 'vm.stopped.credits', text: 'ux-vm-two was shut down: your credits ran out.', link: '/vms/1', params: { name: 'ux-vm-two' }, severity: 'warning' });
    await notify(a.id, { kind: 'trial.ending', text: 'Your trial ends in 2 days.', dedupeKey: 'trial:1:warned' });
    expect(await notify(a.id, { kind: 'trial.ending', text: 'again', dedupeKey: 'trial:1:warned' })).toBeNull();

    const list = await alice.get('/api/notifications');
    expect(list.status).toBe(200);
    expect(list.body.unread).toBe(2);
    expect(list.body.items.map((n: { kind: string }) => n.kind)).toEqual(['trial.ending', 'vm.stopped.credits']);
    expect(list.body.items[1]).toMatchObject({ text: 'ux-vm-two was shut down: your credits ran out.', link: '/vms/1', severity: 'warning', params: { name: 'ux-vm-two' }, readAt: null });
    expect((await bob.get('/api/notifications')).body).toEqual({ items: [], unread: 0 });
    const id = list.body.items[1].id as string;
    expect((await bob.post(`/api/notifications/${id}/read`)).status).toBe(404);
    expect((await alice.post(`/api/notifications/${id}/read`)).body).toEqual({ unread: 1 });
    expect((await alice.get('/api/notifications?unread=true')).body.items.map((n: { kind: string }) => n.kind)).toEqual(['trial.ending']);
    expect((await alice.get(`/api/notifications?before=${list.body.items[0].id}`)).body.items).toHaveLength(1);
    expect((await alice.post('/api/notifications/read-all')).body).toEqual({ unread: 0 });
    expect((await alice.get('/api/notifications?limit=0')).status).toBe(400);
    expect((await new Client(srv.url).get('/api/notifications')).status).toBe(401);
  });

  it('pushes new notifications and unread counts live over SSE to the reader only', async () => {
    const alice = new Client(srv.url);
    const a = await alice.signup();
    const bob = new Client(srv.url);
    await bob.signup();
    const sa = await openStream(alice);
    const sb = await openStream(bob);
    expect(sa.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await expect.poll(() => sa.events).toEqual([{ event: 'unread', data: { unread: 0 } }]);
    await notify(a.id, { kind: 'operation.failed', text: 'Creating vm-x failed', link: '/vms/2' });
    await expect.poll(() => sa.events.map((e) => e.event)).toEqual(['unread', 'notification']);
    expect(sa.events[1]!.data).toMatchObject({ kind: 'operation.failed', link: '/vms/2' });
    await alice.post(`/api/notifications/${sa.events[1]!.data.id}/read`);
    await expect.poll(() => sa.events.at(-1)).toEqual({ event: 'unread', data: { unread: 0 } });
    expect(sb.events).toEqual([{ event: 'unread', data: { unread: 0 } }]);
    sa.close(); sb.close();
    expect((await fetch(`${srv.url}/api/notifications/stream`)).status).toBe(401);
  });

  it("pushes a change to one of a person's resources to their open pages only, so they read it again", async () => {
    const alice = new Client(srv.url);
    const a = await alice.signup();
    const bob = new Client(srv.url);
    await bob.signup();
    const sa = await openStream(alice);
    const sb = await openStream(bob);
    await expect.poll(() => sa.events.length).toBe(1);
    await expect.poll(() => sb.events.length).toBe(1);
    await publishChange(a.id, { type: 'vm', id: 'vm-1' });
    await expect.poll(() => sa.events.at(-1)).toEqual({ event: 'change', data: { type: 'vm', id: 'vm-1' } });
    // Not stored: the bell has nothing new, and nobody else heard it.
    expect((await alice.get('/api/notifications')).body.unread).toBe(0);
    expect(sb.events.map((e) => e.event)).toEqual(['unread']);
    sa.close(); sb.close();
  });

  it('tells every admin, once per dedupe key', async () => {
    const admin = await adminClient(srv.url);
    const n = { kind: 'alert.firing', text: 'Alert HostUnreachable: Host lab2 is unreachable', dedupeKey: 'alert:x:1:firing', link: '/admin/hosts/1', severity: 'critical' as const };
    expect(await notifyAdmins(n)).toBe(1);
    expect(await notifyAdmins(n)).toBe(0);
    expect((await admin.get('/api/notifications')).body.items).toMatchObject([{ kind: 'alert.firing', severity: 'critical' }]);
  });
});
