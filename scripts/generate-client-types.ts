/**
 * `tsx scripts/generate-client-types.ts`: regenerates client/schema.d.ts, the types of the typed
 * client, from the gateway's /openapi.json with openapi-typescript. A unit test
 * (test/unit/api/client-types.test.ts) regenerates them and fails when the committed file differs.
 */
import { writeFile } from 'node:fs/promises';
import openapiTS, { astToString } from 'openapi-typescript';
import { generateOpenApiDocument } from './openapi-document';

/** Where the generated types live. */
export const clientTypesPath = new URL('../client/schema.d.ts', import.meta.url);

const header = `/**
 * Generated from the gateway's /openapi.json by openapi-typescript: do not edit by hand.
 * Regenerate with \`npx tsx scripts/generate-client-types.ts\` (a test fails while it is stale).
 */

`;

/** The generated source of client/schema.d.ts. */
export async function generateClientTypes(): Promise<string> {
  const ast = await openapiTS(await generateOpenApiDocument(), { alphabetize: true });
  return header + astToString(ast);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(clientTypesPath, await generateClientTypes());
}
