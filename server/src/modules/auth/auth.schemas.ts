import { z } from 'zod';
import { DisplayName, Email, Password } from '../users/users.schemas.js';

export const SignupBody = z.object({ email: Email, password: Password, displayName: DisplayName }).strict();
// Login does not re-apply signup's password rules: an old account may predate them.
export const LoginBody = z.object({ email: Email, password: z.string().min(1, 'required').max(256) }).strict();
