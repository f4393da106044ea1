/**
 * `npm run generate:client` (`tsx scripts/generate-client-types.ts`): writes client/schema.d.ts, the
 * types of the typed client, from the gateway's /openapi.json with openapi-typescript. A build
 * artifact, not committed (.gitignore): `npm ci` writes it (the `prepare` script), `npm test` and
 * `npm run typecheck` rewrite it before type-checking, so it always follows the API and the registry's
 * vendor ids.
 */
import { writeFile } from 'node:fs/promises';
import openapiTS, { astToString } from 'openapi-typescript';
import { generateOpenApiDocument } from './openapi-document';

/** Where the generated types live. */
export const clientTypesPath = new URL('../client/schema.d.ts', import.meta.url);

const header = `/**
 * Generated from the gateway's /openapi.json by openapi-typescript: do not edit by hand, do not commit.
 * Written by \`npm ci\` (prepare), \`npm test\` and \`npm run generate:client\`.
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
