import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { vendorIds } from '../../../schemas/entitlement';
import { clientTypesPath, generateClientTypes } from '../../../scripts/generate-client-types';
import { generateOpenApiDocument } from '../../../scripts/openapi-document';

// client/schema.d.ts is a build artifact (npm ci's `prepare`, `npm test` and `npm run typecheck` write
// it before type-checking; scripts/generate-client-types.ts). Whether the client compiles against it
// is tsc's part of `npm test` (client/index.ts, test/integration/api/client.test.ts and the examples,
// without casts); these check that what the type-check reads follows the API.

describe('the typed client', () => {
  it('has types generated from the served /openapi.json: every operation, every registry vendor id', async () => {
    const generated = await generateClientTypes();
    const document = JSON.parse(await generateOpenApiDocument()) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const paths = Object.keys(document.paths);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      expect(generated, path).toContain(`"${path}": {`);
      for (const operation of Object.values(document.paths[path] ?? {}))
        if (operation.operationId !== undefined) expect(generated).toContain(`${operation.operationId}: {`);
    }
    const vendorIdType = /VendorId: (.+);/.exec(generated)?.[1] ?? '';
    expect(vendorIdType.split(' | ').sort()).toEqual(vendorIds.map((vendor) => `"${vendor}"`).sort());
  });

  it('the file the type-check reads is the generator’s current output (regenerate: npm run generate:client)', async () => {
    const written = await readFile(clientTypesPath, 'utf8').catch(() => null);
    expect(
      written,
      'client/schema.d.ts is missing: npm ci (or npm run generate:client) writes it',
    ).not.toBeNull();
    expect(
      written === (await generateClientTypes()),
      'client/schema.d.ts is stale: npm run generate:client',
    ).toBe(true);
  });
});
