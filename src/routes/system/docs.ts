import { swaggerUI } from '@hono/swagger-ui';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { BatchCheckItemSchema } from '../../../schemas/check';
import type { GatewayEnv } from '../../context';
import { errorResponseComponents } from '../../errors/problem';

/** The OpenAPI document's top-level information. */
export const openApiInfo = {
  openapi: '3.1.0',
  info: {
    title: 'Entitlements Gateway API',
    version: '1.0.0',
    description:
      'One normalized, cached answer to "what is this customer entitled to?" across Zenskar, Paygentic and Chargebee. Errors are RFC 9457 problems (`application/problem+json`) with a machine `code` and the `requestId`.',
    license: { name: 'Apache-2.0' },
  },
  tags: [
    { name: 'Entitlements', description: 'Normalized entitlements, checks and refresh.' },
    { name: 'Balances', description: 'Cross-customer balance listings.' },
    { name: 'Webhooks', description: 'Vendor events that invalidate cached data.' },
    { name: 'System', description: 'Health, readiness, this document.' },
  ],
};

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
  app.get('/openapi.json', (c) => {
    document ??= JSON.stringify(app.getOpenAPI31Document(openApiInfo));
    c.header('x-request-id', c.get('requestId'));
    c.header('content-type', 'application/json; charset=utf-8');
    c.header('cache-control', 'public, max-age=300');
    return c.body(document);
  });
  app.use('/docs', async (c, next) => {
    c.header('x-request-id', c.get('requestId'));
    await next();
  });
  app.get('/docs', swaggerUI({ url: '/openapi.json', title: 'Entitlements Gateway API' }));
}
