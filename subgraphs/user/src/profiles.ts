import { z } from 'zod';

/** Preferences as stored (JSON on the profile) and served; stored values override these. */
export interface Preferences {
  theme: 'light' | 'dark' | 'system';
  locale: string;
  timezone: string;
  notifications: { email: boolean; push: boolean };
}

export const DEFAULT_PREFERENCES: Preferences = {
  theme: 'system',
  locale: 'en-US',
  timezone: 'UTC',
  notifications: { email: true, push: false },
};

/** A BCP 47 tag, in its canonical form (en-us → en-US). */
const locale = z
  .string()
  .trim()
  .max(35, 'locale: too long')
  .transform((value, ctx) => {
    try {
      const [canonical] = Intl.getCanonicalLocales(value);
      if (canonical) return canonical;
    } catch {
      // reported below
    }
    ctx.addIssue({
      code: 'custom',
      message: 'locale: must be a BCP 47 language tag, such as en-US',
    });
    return z.NEVER;
  });

/** An IANA time zone, in its canonical spelling (europe/zurich → Europe/Zurich). */
const timezone = z
  .string()
  .trim()
  .max(64, 'timezone: too long')
  .transform((value, ctx) => {
    try {
      return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'timezone: must be an IANA time zone, such as Europe/Zurich',
      });
      return z.NEVER;
    }
  });

export const preferencesInput = z.object({
  theme: z
    .enum(['light', 'dark', 'system'], { message: 'theme: must be light, dark or system' })
    .nullish(),
  locale: locale.nullish(),
  timezone: timezone.nullish(),
  notifications: z.object({ email: z.boolean().nullish(), push: z.boolean().nullish() }).nullish(),
});

export const profileInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'name: must not be empty')
    .max(100, 'name: at most 100 characters')
    .nullish(),
  avatarUrl: z
    .string()
    .trim()
    .max(2048, 'avatarUrl: at most 2048 characters')
    .refine((value) => {
      try {
        return new URL(value).protocol === 'https:';
      } catch {
        return false;
      }
    }, 'avatarUrl: must be an https URL')
    .nullish(),
});

/** Stored preferences over the defaults; anything malformed in storage falls back to a default. */
export function withDefaults(stored: unknown): Preferences {
  const value = (stored ?? {}) as Partial<Preferences>;
  return {
    theme: ['light', 'dark', 'system'].includes(value.theme as string)
      ? (value.theme as Preferences['theme'])
      : DEFAULT_PREFERENCES.theme,
    locale: typeof value.locale === 'string' ? value.locale : DEFAULT_PREFERENCES.locale,
    timezone: typeof value.timezone === 'string' ? value.timezone : DEFAULT_PREFERENCES.timezone,
    notifications: {
      email:
        typeof value.notifications?.email === 'boolean'
          ? value.notifications.email
          : DEFAULT_PREFERENCES.notifications.email,
      push:
        typeof value.notifications?.push === 'boolean'
          ? value.notifications.push
          : DEFAULT_PREFERENCES.notifications.push,
    },
  };
}

/** The stored preferences with the given changes applied (omitted and null fields keep theirs). */
export function mergePreferences(
  current: Preferences,
  changes: z.output<typeof preferencesInput>,
): Preferences {
  return {
    theme: changes.theme ?? current.theme,
    locale: changes.locale ?? current.locale,
    timezone: changes.timezone ?? current.timezone,
    notifications: {
      email: changes.notifications?.email ?? current.notifications.email,
      push: changes.notifications?.push ?? current.notifications.push,
    },
  };
}
