import { z } from 'zod';

// The contract for people: request bodies are validated with these, responses documented
// with them, and the SPA takes its types from them.

export const Email = z.string().trim().toLowerCase().max(254, 'at most 254 characters').pipe(z.email('not a valid email address'));
export const Password = z.string().min(10, 'at least 10 characters').max(256, 'at most 256 characters');
export const DisplayName = z.string().trim().min(1, 'required').max(80, 'at most 80 characters');
export const Role = z.enum(['user', 'admin']);
export const UserStatus = z.enum(['active', 'disabled']);
const Iso = z.string().describe('ISO 8601 date-time');

// vcpus in use may be fractional: containers take quarters of a CPU from the same quota.
export const QuotaNumbers = z.object({ vcpus: z.number(), memoryMiB: z.number().int(), diskGiB: z.number().int(), vms: z.number().int(), containers: z.number().int() });
export const QuotaView = z.object({ limits: QuotaNumbers, used: QuotaNumbers });

export const Me = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  role: Role,
  status: UserStatus,
  trialEndsAt: Iso.nullable(),
  trialDaysLeft: z.number().int().nullable().describe('Whole days left in the trial, 0 once it ended; null without a trial'),
  trialExpired: z.boolean(),
  createdAt: Iso,
  emailVerified: z.boolean().describe('False until the owner follows the link mailed at signup; until then they may look but not create'),
  twoFactor: z.object({
    enabled: z.boolean(),
    required: z.boolean().describe('This site makes the user (an administrator) turn it on before administering'),
  }),
  quota: QuotaView,
  credits: z.object({ balance: z.number().int() }),
});
export const MeResponse = z.object({ user: Me });

export const AdminUser = Me.pick({
  id: true, email: true, displayName: true, role: true, status: true, trialEndsAt: true, trialDaysLeft: true, createdAt: true, credits: true,
  emailVerified: true, twoFactor: true,
});
export const AdminUserResponse = z.object({ user: AdminUser });

const PageQuery = {
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
};
export const pageQuery = PageQuery;

export const ListUsersQuery = z.object({
  q: z.string().trim().max(254).optional(),
  role: Role.optional(),
  status: UserStatus.optional(),
  ...PageQuery,
});
export const UserPage = z.object({ items: z.array(AdminUser), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });

export const UserIdParams = z.object({ id: z.uuid('not a user id') });
export const UpdateUserBody = z
  .object({ role: Role.optional(), status: UserStatus.optional() })
  .strict()
  .refine((b) => b.role !== undefined || b.status !== undefined, 'give role or status');
export const ExtendTrialBody = z.object({ days: z.number().int().min(1).max(90) }).strict();
export const AdjustCreditsBody = z.object({
  amount: z.number().int().min(-1_000_000).max(1_000_000).refine((n) => n !== 0, 'not zero').describe('Credits to add (negative to take back)'),
  note: z.string().trim().min(1).max(100).describe('Why, as the user will see it in their ledger'),
}).strict();

export type MeDto = z.infer<typeof Me>;
export type AdminUserDto = z.infer<typeof AdminUser>;

export const UpdateQuotaBody = z.object({
  vcpus: z.number().int().min(0).max(1024).optional(),
  memoryMiB: z.number().int().min(0).max(4_194_304).optional(),
  diskGiB: z.number().int().min(0).max(65_536).optional(),
  vms: z.number().int().min(0).max(1000).optional(),
  containers: z.number().int().min(0).max(1000).optional(),
}).strict().refine((b) => Object.keys(b).length > 0, 'give at least one limit');
export const QuotaResponse = z.object({ quota: QuotaView });

const Owned = { id: z.string(), name: z.string(), state: z.string() };
export const UserSession = z.object({ createdAt: Iso, ip: z.string().nullable(), expiresAt: Iso });
export const UserOverview = z.object({
  user: Me,
  resources: z.object({
    vms: z.array(z.object({ ...Owned, vcpus: z.number().int(), memoryMiB: z.number().int(), diskGiB: z.number().int(), hostName: z.string().nullable() })),
    containers: z.array(z.object({ ...Owned, memoryMiB: z.number().int() })),
    volumes: z.array(z.object({ ...Owned, sizeGiB: z.number().int() })),
    networks: z.array(z.object({ ...Owned, cidr: z.string() })),
    tunnels: z.array(z.object({ ...Owned, kind: z.string(), port: z.number().int().nullable(), targetPort: z.number().int().nullable() })),
  }),
  sessions: z.array(UserSession).describe('Signed-in browsers, newest first (API tokens are listed apart)'),
});
export type UserOverviewDto = z.infer<typeof UserOverview>;
export const SignedOut = z.object({ signedOut: z.number().int().describe('Sessions ended') });
