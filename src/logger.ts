/** Severity of a log line; `LOG_LEVEL` sets the lowest one written. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Structured logger: one JSON object per line, an event name plus fields. */
export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  /**
   * Whether lines of `level` are written. Optional: callers that build costly fields for every
   * request ask first; a logger without it is assumed to write everything.
   */
  writes?(level: LogLevel): boolean;
}

const REDACTED = '[redacted]';
const secretKeyPattern = /(authorization|api[-_]?key|secret|password|token|signature|cookie)/i;

/** Secrets at least this long are random enough that they cannot be part of ordinary words. */
const LONG_SECRET_LENGTH = 16;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replaces every known secret value inside `text` and the usual credential shapes (Bearer/Basic
 * tokens, `sk_…` keys) so that vendor bodies and error messages can be logged safely.
 *
 * A long secret is replaced wherever it occurs. A short one (a weak key someone configured) is
 * replaced only where it stands as a whole token, never inside a longer word: replacing every
 * occurrence of, say, `short` would turn "a key shorter than 16 characters" into a garbled line that
 * points at the secret by its context.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    if (secret.length >= LONG_SECRET_LENGTH) result = result.split(secret).join(REDACTED);
    else
      result = result.replace(
        new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(secret)}(?![A-Za-z0-9])`, 'g'),
        REDACTED,
      );
  }
  return result
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`)
    .replace(/\b(sk|whsec)_(live_|test_)?[A-Za-z0-9]{6,}/g, REDACTED);
}

function redactValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return {
      name: value.name,
      message: redactText(value.message, secrets),
      stack: value.stack ? redactText(value.stack, secrets) : undefined,
    };
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      secretKeyPattern.test(key) && typeof inner === 'string'
        ? REDACTED
        : redactValue(inner, secrets, depth + 1);
  }
  return out;
}

/** Options of the JSON logger. */
export interface JsonLoggerOptions {
  level?: LogLevel;
  /** Secret values (API keys, cursor secret, webhook secrets) that must never appear in a line. */
  secrets?: readonly string[];
  /** Where lines go; defaults to `console.log` (stdout on Node, the Workers log stream). */
  write?: (line: string) => void;
  /** Fields added to every line. */
  base?: Record<string, unknown>;
}

/** A logger that writes redacted JSON lines. */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const minimum = levelRank[options.level ?? 'info'];
  const secrets = options.secrets ?? [];
  const write = options.write ?? ((line: string) => console.log(line));
  const log =
    (level: LogLevel) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      if (levelRank[level] < minimum) return;
      const payload = redactValue(
        { time: new Date().toISOString(), level, event, ...options.base, ...fields },
        secrets,
        0,
      );
      write(JSON.stringify(payload));
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    writes: (level) => levelRank[level] >= minimum,
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
