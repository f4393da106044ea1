import { describe, expect, it } from 'vitest';
import { errorCatalog, problemTypeUri } from '../../../src/errors/codes';
import { errorComponentName } from '../../../src/errors/problem';
import { twoTenantGateway } from './fixtures';

type Json = Record<string, unknown>;

async function fetchDocument(): Promise<Json> {
  const { app } = await twoTenantGateway();
  const response = await app.request('/openapi.json');
  expect(response.status).toBe(200);
  return (await response.json()) as Json;
}

/** Every `$ref` in the document must point at something that exists. */
function collectRefs(node: unknown, refs: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, refs);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') refs.push(value);
      else collectRefs(value, refs);
    }
  }
  return refs;
}

function resolve(document: Json, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>(
      (node, part) => (node && typeof node === 'object' ? (node as Json)[part] : undefined),
      document,
    );
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with every v1 path of the design that exists so far, each secured', async () => {
    const document = await fetchDocument();
    expect(document.openapi).toBe('3.1.0');
    const paths = document.paths as Record<string, Record<string, Json>>;
    const expected: Array<[string, string]> = [
      ['/v1/customers/{customerId}/entitlements', 'get'],
      ['/v1/customers/{customerId}/entitlements/{featureKey}', 'get'],
      ['/v1/check', 'post'],
      ['/v1/customers/{customerId}/entitlements/refresh', 'post'],
      ['/healthz', 'get'],
      ['/readyz', 'get'],
    ];
    for (const [path, method] of expected) {
      const operation = paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation?.operationId).toEqual(expect.any(String));
      if (path.startsWith('/v1/')) expect(operation?.security).toEqual([{ bearerAuth: [] }]);
    }
    for (const ref of collectRefs(document)) expect(resolve(document, ref), ref).toBeDefined();
  });

  it('has one error response component per error-table code, agreeing on status, title and type', async () => {
    const document = await fetchDocument();
    const components = (document.components as Json).responses as Record<string, Json>;
    const fromDocument = Object.entries(components)
      .filter(([name]) => name.startsWith('Error_'))
      .map(([, component]) => {
        const example = ((component.content as Json)['application/problem+json'] as Json).example as Json;
        return [example.code, { status: example.status, title: example.title, type: example.type }] as const;
      });
    const fromTable = Object.entries(errorCatalog).map(
      ([code, entry]) =>
        [
          code,
          {
            status: entry.status,
            title: entry.title,
            type: problemTypeUri(code as keyof typeof errorCatalog),
          },
        ] as const,
    );
    expect(Object.fromEntries(fromDocument)).toEqual(Object.fromEntries(fromTable));
    for (const code of Object.keys(errorCatalog))
      expect(components[errorComponentName(code as keyof typeof errorCatalog)]).toBeDefined();
  });

  it('documents each route error status with examples whose codes come from the table', async () => {
    const document = await fetchDocument();
    const paths = document.paths as Record<string, Record<string, Json>>;
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses as Record<string, Json>)) {
          const problem = (response.content as Json | undefined)?.['application/problem+json'] as
            | Json
            | undefined;
          if (!problem) continue;
          for (const example of Object.values(problem.examples as Record<string, { value: Json }>)) {
            const code = example.value.code as keyof typeof errorCatalog;
            expect(errorCatalog[code], `${method} ${path} ${status} ${code}`).toBeDefined();
            expect(String(errorCatalog[code].status)).toBe(status);
          }
        }
      }
    }
  });

  it('serves an interactive reference page at /docs pointing at the spec', async () => {
    const { app } = await twoTenantGateway();
    const response = await app.request('/docs');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('SwaggerUIBundle');
    expect(html).toContain('/openapi.json');
  });
});
