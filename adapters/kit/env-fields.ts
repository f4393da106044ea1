import { z } from 'zod';
import type { ParsedEnv } from './module';

/**
 * Parsers of environment values that vendor modules and the gateway's own config share, so every
 * variable reads the same way (trimmed, empty = unset, URLs without a trailing slash).
 */

/** A trimmed string; empty means unset. */
export const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/** An http(s) URL without trailing slashes; unset allowed. */
export const httpUrl = z
  .url({ protocol: /^https?$/ })
  .transform((value) => value.replace(/\/+$/, ''))
  .optional();

/** `true`/`false`/`1`/`0`; unset allowed. */
export const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1')
  .optional();

/** An http(s) URL in tenant JSON (trailing slashes are stripped where the connection is built). */
export const tenantBaseUrl = z.url({ protocol: /^https?$/ }).optional();

/**
 * All-or-nothing variables: false when none is set; when some are, each missing one is reported
 * (by name) and the answer is whether all are present.
 */
export function requireAll(env: ParsedEnv, names: readonly string[], problems: string[]): boolean {
  const present = names.filter((name) => env[name] !== undefined);
  if (present.length === 0) return false;
  for (const name of names)
    if (env[name] === undefined) problems.push(`${name}: is required when ${present.join(', ')} is set`);
  return present.length === names.length;
}

/** A trailing-slash-free base URL: the configured one, else the vendor's default. */
export function baseUrlOr(configured: string | undefined, fallback: string): string {
  return (configured ?? fallback).replace(/\/+$/, '');
}
