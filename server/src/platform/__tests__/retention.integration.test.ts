import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../db.js';
import { Client, resetState, startServer } from '../../test/harness.js';
import { pruneHistory } from '../retention.js';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

beforeAll(async () => { await resetState(); });

describe('retention', () => {
  it('deletes finished operations, audit rows and mailed links past their retention, never running or held ones', async () => {
    // A real user and VM, so one old finished operation can be "held" by the VM.
    const srv = await startServer();
    const u = await new Client(srv.url).signup();
    await srv.close();
    const held = randomUUID();
    await db.vm.create({
      data: {
        id: randomUUID(), ownerId: u.id, name: 'keep', activeName: 'keep', templateName: 't', vcpus: 1, memoryMiB: 64, diskGiB: 1,
        creditsPerHour: 1, domainName: `cc-${randomUUID()}`, currentOperationId: held,
      },
    });
    const op = (id: string, state: 'succeeded' | 'failed' | 'running', finishedDaysAgo: number | null) => ({
      id, kind: 'vm.start', targetType: 'vm', targetId: randomUUID(), state, steps: [], input: {},
      createdAt: ago((finishedDaysAgo ?? 200) + 1), finishedAt: finishedDaysAgo === null ? null : ago(finishedDaysAgo),
    });
    const oldDone = randomUUID(); const oldFailed = randomUUID(); const recent = randomUUID(); const running = randomUUID();
    await db.operation.createMany({
      data: [op(oldDone, 'succeeded', 120), op(oldFailed, 'failed', 100), op(recent, 'succeeded', 10), op(running, 'running', null), op(held, 'succeeded', 150)],
    });
    const row = (daysAgo: number, action: string) => ({
      createdAt: ago(daysAgo), action, ip: '127.0.0.1', method: 'POST', path: '/api/x', statusCode: 200, result: 'success' as const, requestId: randomUUID(),
    });
    await db.auditLog.deleteMany();
    await db.auditLog.createMany({ data: [row(400, 'old'), row(366, 'old'), row(300, 'kept'), row(1, 'kept')] });

    const link = (expiredDaysAgo: number) => ({ id: randomUUID(), userId: u.id, purpose: 'reset_password' as const, tokenHash: randomUUID().replace(/-/g, '').padEnd(64, '0'), expiresAt: ago(expiredDaysAgo) });
    const keptLink = link(3);
    await db.emailToken.createMany({ data: [link(8), link(30), keptLink] });

    expect(await pruneHistory()).toEqual({ operations: 2, audit: 2, links: 2, tokens: 0 });
    expect((await db.emailToken.findMany()).map((l) => l.id)).toEqual([keptLink.id]);
    const left = (await db.operation.findMany({ select: { id: true } })).map((o) => o.id).sort();
    expect(left).toEqual([recent, running, held].sort());
    expect((await db.auditLog.findMany()).map((a) => a.action)).toEqual(['kept', 'kept']);
    expect(await pruneHistory()).toEqual({ operations: 0, audit: 0, links: 0, tokens: 0 });
  });
});
