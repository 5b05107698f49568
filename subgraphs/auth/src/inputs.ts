import { PASSWORD_MAX_LENGTH } from '@tradesage/shared';
import { z } from 'zod';

/** Input checks at the edge: bounded lengths everywhere, one clear BAD_USER_INPUT per problem. */
const email = z
  .string()
  .trim()
  .max(320, 'E-mail address is too long')
  .pipe(z.email('Not a valid e-mail address'))
  .transform((value) => value.toLowerCase());
/** Checked against the password policy separately, so only the length bound is here. */
const password = z.string().min(1, 'Password must not be empty').max(PASSWORD_MAX_LENGTH);
const tenantSlug = z.string().trim().min(1, 'Tenant is required').max(63, 'Tenant is too long');
const code = z.string().trim().max(32, 'Code is too long');

export const registerInput = z.object({
  tenantSlug,
  email,
  password,
  name: z.string().trim().min(1, 'Name must not be empty').max(100, 'Name is too long'),
});

/** Login checks only lengths: a malformed e-mail is just a wrong e-mail (same error). */
export const loginInput = z.object({
  tenantSlug: z.string().max(63),
  email: z
    .string()
    .max(320)
    .transform((value) => value.trim().toLowerCase()),
  password: z.string().max(PASSWORD_MAX_LENGTH),
  deviceName: z.string().trim().max(100, 'Device name is too long').nullish(),
  totpCode: code.nullish(),
});

export const resetRequestInput = z.object({
  tenantSlug: z.string().max(63),
  email: z.string().max(320),
});
export const tokenInput = z.string().trim().min(1).max(200);
export const totpCodeInput = code.min(1, 'Code is required');
export const operatorLoginInput = z.object({
  email: z
    .string()
    .max(320)
    .transform((value) => value.trim().toLowerCase()),
  password: z.string().max(PASSWORD_MAX_LENGTH),
  totpCode: code.nullish(),
});
export const newPasswordInput = password;
