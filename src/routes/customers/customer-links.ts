import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import {
  type CustomerLinksBody,
  CustomerLinksSchema,
  PutCustomerLinksRequestSchema,
} from '../../../schemas/links';
import { CustomerParamsSchema } from '../../../schemas/query';
import { GatewayError } from '../../errors/gateway-error';
import { errorResponses } from '../../errors/problem';
import type { CustomerLinks } from '../../services/customer-links';
import type { GatewayEnv } from '../openapi-app';
import { respondJson } from '../respond';

const path = '/v1/customers/{customerId}/links';
const noStore = { 'cache-control': 'no-store' };

export const getCustomerLinksRoute = createRoute({
  method: 'get',
  path,
  operationId: 'getCustomerLinks',
  tags: ['Customers'],
  summary: "An app customer's vendor accounts",
  description:
    "The vendor accounts an app customer id is linked to: static links from configuration (`CUSTOMER_LINKS`, a tenant's `customers`) and dynamic ones set with PUT, combined per vendor (dynamic wins). List, check and batch without `vendor` on a linked customer answer for every linked vendor at once (merged); with `vendor` for that vendor's linked account alone.",
  security: [{ bearerAuth: [] }],
  request: { params: CustomerParamsSchema },
  responses: {
    200: { description: 'The links.', content: { 'application/json': { schema: CustomerLinksSchema } } },
    ...errorResponses('validation_failed', 'unauthorized', 'not_found', 'links_store_unavailable'),
  },
});

export const putCustomerLinksRoute = createRoute({
  method: 'put',
  path,
  operationId: 'putCustomerLinks',
  tags: ['Customers'],
  summary: "Set an app customer's vendor accounts",
  description:
    "Replaces the app customer's dynamic links (vendors left out lose their dynamic link; static links stay). Each vendor must be connected to the tenant and each id well-formed for its vendor (a malformed id is a 400 naming the vendor). Stored in Redis, without expiry; without `REDIS_URL` the answer is 501 `links_store_not_configured`.",
  security: [{ bearerAuth: [] }],
  request: {
    params: CustomerParamsSchema,
    body: { required: true, content: { 'application/json': { schema: PutCustomerLinksRequestSchema } } },
  },
  responses: {
    200: {
      description: 'The links now in effect (static and dynamic combined).',
      content: { 'application/json': { schema: CustomerLinksSchema } },
    },
    ...errorResponses(
      'validation_failed',
      'vendor_not_configured',
      'unauthorized',
      'payload_too_large',
      'unsupported_media_type',
      'links_store_not_configured',
      'links_store_unavailable',
    ),
  },
});

export const deleteCustomerLinksRoute = createRoute({
  method: 'delete',
  path,
  operationId: 'deleteCustomerLinks',
  tags: ['Customers'],
  summary: "Remove an app customer's dynamic links",
  description:
    'Removes every dynamic link of the app customer (idempotent: 204 whether or not it had any). Static links come from configuration and stay.',
  security: [{ bearerAuth: [] }],
  request: { params: CustomerParamsSchema },
  responses: {
    204: { description: 'Removed.' },
    ...errorResponses(
      'validation_failed',
      'unauthorized',
      'links_store_not_configured',
      'links_store_unavailable',
    ),
  },
});

function linksBody(customerId: string, links: CustomerLinks): CustomerLinksBody {
  return { object: 'customer_links', customerId, links: links.links, origins: links.origins };
}

/** The links routes: GET, PUT and DELETE on `/v1/customers/{customerId}/links`. */
export function registerCustomerLinks(app: OpenAPIHono<GatewayEnv>): void {
  app.openapi(getCustomerLinksRoute, async (c) => {
    const { customerId } = c.req.valid('param');
    const links = await c.env.services.links.read(customerId);
    if (links === null)
      throw new GatewayError('not_found', `Customer "${customerId}" has no vendor account linked.`);
    return respondJson(c, linksBody(customerId, links), 200, noStore);
  });

  app.openapi(putCustomerLinksRoute, async (c) => {
    const { customerId } = c.req.valid('param');
    const { links } = c.req.valid('json');
    const combined = await c.env.services.links.replace(customerId, links);
    return respondJson(c, linksBody(customerId, combined), 200, noStore);
  });

  app.openapi(deleteCustomerLinksRoute, async (c) => {
    const { customerId } = c.req.valid('param');
    await c.env.services.links.remove(customerId);
    return new Response(null, {
      status: 204,
      // The headers the document lists for a body-less answer (Server-Timing comes with JSON bodies).
      headers: { 'x-request-id': c.env.requestId, ...noStore },
    });
  });
}
