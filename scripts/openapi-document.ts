/**
 * `tsx scripts/openapi-document.ts <file>`: writes the gateway's `/openapi.json` (as a sandbox-mode
 * gateway serves it) to a file, for `redocly lint` in `npm test` and for regenerating the typed
 * client's types (client/README in docs/api-clients.md).
 */
import { writeFile } from 'node:fs/promises';
import { openNodeSandboxGateway } from '../test/support/node-sandbox-gateway';

/** The document as the gateway serves it, pretty-printed. */
export async function generateOpenApiDocument(): Promise<string> {
  const gateway = await openNodeSandboxGateway({});
  try {
    const response = await gateway.call('/openapi.json');
    if (response.status !== 200) throw new Error(`/openapi.json answered ${response.status}`);
    return `${JSON.stringify(await response.json(), null, 2)}\n`;
  } finally {
    await gateway.close();
  }
}

const target = process.argv[2];
if (target && import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(target, await generateOpenApiDocument());
}
