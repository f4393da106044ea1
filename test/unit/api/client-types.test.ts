import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { clientTypesPath, generateClientTypes } from '../../../scripts/generate-client-types';

describe('the typed client', () => {
  it('has types generated from the current /openapi.json (regenerate: npx tsx scripts/generate-client-types.ts)', async () => {
    const committed = await readFile(clientTypesPath, 'utf8');
    expect(committed === (await generateClientTypes()), 'client/schema.d.ts is stale').toBe(true);
  });
});
