import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { TypedResponse } from 'hono';
import { vendorNameList } from '../../../adapters/registry';
import { BatchCheckItemSchema } from '../../../schemas/check';
import { errorResponseComponents } from '../../errors/problem';
import type { GatewayEnv } from '../openapi-app';
import { finalizeOpenApiDocument } from './openapi-document';

/** The OpenAPI document's top-level information. */
export const openApiInfo = {
  openapi: '3.1.0',
  info: {
    title: 'Entitlements Gateway API',
    version: '1.0.0',
    description: `One normalized, cached answer to "what is this customer entitled to?" across ${vendorNameList()}. Errors are RFC 9457 problems (\`application/problem+json\`) with a machine \`code\` and the \`requestId\`.`,
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
  tags: [
    { name: 'Entitlements', description: 'Normalized entitlements, checks and refresh.' },
    {
      name: 'Customers',
      description:
        "An app customer's accounts at several vendors (customer links): list, check and batch answer for all of them at once.",
    },
    { name: 'Balances', description: 'Cross-customer balance listings.' },
    { name: 'Webhooks', description: 'Vendor events that invalidate cached data.' },
    { name: 'System', description: 'Health, readiness, this document.' },
  ],
};

/**
 * Where the docs page loads Swagger UI from: files of the pinned `swagger-ui-dist` package, served
 * by the gateway itself (Node: src/routes/system/docs-assets-node.ts; Workers: static assets written
 * by scripts/docs-assets.mjs). Nothing comes from a CDN, so the page works offline.
 */
export const DOCS_ASSETS_PATH = '/docs/assets';
/** The Swagger UI files the page needs. */
export const docsAssetFiles = ['swagger-ui-bundle.js', 'swagger-ui.css'] as const;

/**
 * The docs page. `validatorUrl: null` keeps Swagger UI from sending the document to
 * validator.swagger.io; the base layout has no top bar (which would offer loading other URLs).
 */
const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Entitlements Gateway API</title>
<link rel="stylesheet" href="${DOCS_ASSETS_PATH}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS_ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  deepLinking: true,
  validatorUrl: null,
});
</script>
</body>
</html>
`;

const openApiDocumentRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'openApiDocument',
  tags: ['System'],
  summary: 'This OpenAPI document',
  security: [],
  responses: {
    200: {
      description: 'The OpenAPI 3.1 document of the gateway.',
      content: {
        'application/json': {
          schema: z
            .object({ openapi: z.string() })
            .catchall(z.unknown())
            .openapi({ description: 'An OpenAPI 3.1 document.' }),
        },
      },
    },
  },
});

const docsRoute = createRoute({
  method: 'get',
  path: '/docs',
  operationId: 'docsPage',
  tags: ['System'],
  summary: 'Interactive reference (Swagger UI)',
  description: 'Swagger UI over this document, served with its assets by the gateway (no CDN).',
  security: [],
  responses: {
    200: {
      description: 'The HTML page.',
      content: { 'text/html': { schema: z.string() } },
    },
  },
});

/** `GET /openapi.json` (generated from the route and schema definitions) and `GET /docs` (Swagger UI). */
export function registerDocs(app: OpenAPIHono<GatewayEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A gateway API key (`GATEWAY_API_KEYS`, or a tenant key of `GATEWAY_CONFIG`).',
  });
  // Referenced by the batch request (whose items are validated one by one, not by the route).
  app.openAPIRegistry.register('BatchCheckItem', BatchCheckItemSchema);
  for (const [name, response] of Object.entries(errorResponseComponents())) {
    app.openAPIRegistry.registerComponent('responses', name, response);
  }
  // Generated once, on first request: the document only changes with the code.
  let document: string | null = null;
  app.openapi(openApiDocumentRoute, (c) => {
    document ??= JSON.stringify(finalizeOpenApiDocument(app.getOpenAPI31Document(openApiInfo)));
    const response = new Response(document, {
      headers: {
        'x-request-id': c.env.requestId,
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'public, max-age=300',
      },
    });
    // The document is served pre-serialized; the typed-response brand is compile-time only.
    return response as unknown as TypedResponse<{ openapi: string }, 200, 'json'>;
  });
  app.openapi(docsRoute, (c) => {
    return new Response(docsPage, {
      headers: {
        'x-request-id': c.env.requestId,
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'public, max-age=300',
      },
    });
  });
}
