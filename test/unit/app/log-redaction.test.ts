import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config';
import { createJsonLogger, redactText } from '../../../src/logger';

/** Issue 15, item 8: redaction replaces secret values, never pieces of the gateway's own sentences. */
describe('log redaction', () => {
  it('leaves a sentence intact when a short secret happens to be part of one of its words', () => {
    const sentence =
      'GATEWAY_API_KEYS: a key shorter than 16 characters is easy to guess; use long random keys';
    expect(redactText(sentence, ['short'])).toBe(sentence);
  });

  it('still redacts a short secret where it stands as a value', () => {
    expect(redactText('vendor said: invalid key "short" (key=short)', ['short'])).toBe(
      'vendor said: invalid key "[redacted]" (key=[redacted])',
    );
  });

  it('redacts a long secret wherever it appears, even inside a longer token', () => {
    const secret = 'Zq81kV0pL2mN4xR7tY9w';
    expect(redactText(`prefix${secret}suffix and ${secret}`, [secret])).toBe(
      'prefix[redacted]suffix and [redacted]',
    );
  });

  it('writes the short-key warning as a readable sentence that does not carry the key', async () => {
    for (const weakKey of ['short', 'than', 'key1']) {
      const config = await parseConfig({
        GATEWAY_API_KEYS: weakKey,
        CHARGEBEE_SITE: 'acme-test',
        CHARGEBEE_API_KEY: 'cb_test_key_0123456789',
        CURSOR_SECRET: 'c'.repeat(40),
      });
      const warning = config.warnings.find((text) => text.startsWith('GATEWAY_API_KEYS'));
      expect(warning).toBe(
        'GATEWAY_API_KEYS: a key shorter than 16 characters is easy to guess; use long random keys',
      );
      // What the entry writes (src/node.ts: config warnings are fixed sentences, logged as they are).
      const lines: string[] = [];
      createJsonLogger({ write: (line) => lines.push(line) }).warn('config_warning', { warning });
      expect(JSON.parse(lines[0] as string).warning).toBe(warning);
      expect(lines[0]).not.toContain('[redacted]');
      // And every other line still redacts the key where it appears as a value.
      const redacting: string[] = [];
      createJsonLogger({ secrets: config.secrets, write: (line) => redacting.push(line) }).info('probe', {
        detail: `Authorization header was ${weakKey}`,
      });
      expect(redacting[0]).not.toMatch(new RegExp(`\\b${weakKey}\\b`));
    }
  });
});
