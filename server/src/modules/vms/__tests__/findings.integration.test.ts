import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { db } from '../../../platform/db.js';
import { resetState } from '../../../test/harness.js';
import { recordFinding } from '../findings.js';
import { resolveFinding } from '../vm-reconcile.js';

// One open finding per (host, kind, object), whatever runs at once: the scheduled reconcile
// and an admin's "reconcile now" (or two server processes) saw the same stranger and both
// recorded it (the admin page listed it twice). The database holds the rule now.

beforeEach(resetState);

describe('recording a finding', () => {
  it('ten passes at once record it once; resolved, it can be recorded again', async () => {
    const hostId = randomUUID();
    const record = () => recordFinding('unknown-domain', hostId, 'cc-stranger', 'Domain cc-stranger is not a VM the platform knows.');
    const news = await Promise.all(Array.from({ length: 10 }, record));
    expect(news.filter(Boolean)).toHaveLength(1);
    const open = await db.finding.findMany({ where: { hostId, resolvedAt: null } });
    expect(open).toHaveLength(1);
    expect(await record()).toBe(false);

    expect(await resolveFinding(open[0]!.id)).toBe(true);
    expect(await record()).toBe(true);
    expect(await db.finding.count({ where: { hostId } })).toBe(2);
    expect(await db.finding.count({ where: { hostId, resolvedAt: null } })).toBe(1);
  });
});
