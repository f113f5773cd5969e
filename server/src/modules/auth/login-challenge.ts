import { randomBytes } from 'node:crypto';
import { config } from '../../config.js';
import { redis, rkey } from '../../platform/redis.js';
import { sha256 } from '../../platform/auth.js';
import { AppError } from '../../platform/errors.js';

// The step between a right password and a right second factor: a short-lived record in Redis,
// named by the hash of a random ticket that only the caller holds. No session exists until
// the code passes; a ticket takes a few tries and then is gone, so guessing means starting
// over with the password (itself rate limited).

const MAX_TRIES = 5;
const key = (ticket: string) => rkey('login2fa', sha256(ticket));

export const stepExpired = () => new AppError('LOGIN_STEP_EXPIRED', 'The sign-in step has expired or was used up. Enter your email and password again.');

export async function openLoginChallenge(userId: string, ip?: string): Promise<{ ticket: string; expiresInSeconds: number }> {
  const ticket = randomBytes(32).toString('base64url');
  const ttl = config.LOGIN_2FA_TTL_SECONDS;
  await redis.multi().hset(key(ticket), { userId, ip: ip ?? '', tries: 0 }).expire(key(ticket), ttl).exec();
  return { ticket, expiresInSeconds: ttl };
}

// One try counted and the user returned, atomically; past the last try the record goes.
const tryScript = `
local uid = redis.call('HGET', KEYS[1], 'userId')
if not uid then return false end
local n = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if n > tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) return false end
return uid`;

/** The user behind a ticket, counting this try; LOGIN_STEP_EXPIRED when it is unknown, expired or used up. */
export async function challengeUser(ticket: string): Promise<string> {
  const userId = (await redis.eval(tryScript, 1, key(ticket), MAX_TRIES)) as string | null;
  if (!userId) throw stepExpired();
  return userId;
}

/** Ends the step; true for exactly one caller, so two right codes at once make one session. */
export async function closeLoginChallenge(ticket: string): Promise<boolean> {
  return (await redis.del(key(ticket))) === 1;
}
