import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ReplyTo } from '../http/route.js';

// A handler's answer is checked against its route's response schemas by the typecheck (tsc -p
// server): the @ts-expect-error lines fail the build the day the check stops catching them.

const Answer = z.object({ name: z.string(), sizeGiB: z.number().int(), note: z.string().nullable() });
type Spec = { 200: typeof Answer; 204: undefined };

describe('ReplyTo', () => {
  it('takes a body of the documented shape, or none', () => {
    const full: ReplyTo<Spec> = { status: 200, body: { name: 'disk', sizeGiB: 2, note: null } };
    const empty: ReplyTo<Spec> = { status: 204 };
    expect([full.body, empty.body]).toEqual([{ name: 'disk', sizeGiB: 2, note: null }, undefined]);
  });

  it('refuses a body missing a documented field or with a field of another type', () => {
    // @ts-expect-error note is documented (nullable, not optional) and missing
    const missing: ReplyTo<Spec> = { status: 200, body: { name: 'disk', sizeGiB: 2 } };
    // @ts-expect-error sizeGiB is a number on the wire
    const wrongType: ReplyTo<Spec> = { status: 200, body: { name: 'disk', sizeGiB: '2', note: null } };
    expect([missing.status, wrongType.status]).toEqual([200, 200]);
  });
});
