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

  it('documents every error code of the table that an operation can send, and references every component', async () => {
    const document = await fetchDocument();
    const components = (document.components as Json).responses as Record<string, Json>;
    const refs = new Set(collectRefs(document.paths));
    for (const name of Object.keys(components))
      expect(refs.has(`#/components/responses/${name}`), `${name} is referenced`).toBe(true);
    // Codes in examples of operations, plus those of referenced components, agreeing with the table.
    const documented = new Map<string, Json>();
    for (const operations of Object.values(document.paths as Record<string, Record<string, Json>>)) {
      for (const operation of Object.values(operations)) {
        for (const response of Object.values(operation.responses as Record<string, Json>)) {
          const resolved = (
            typeof response.$ref === 'string' ? resolve(document, response.$ref) : response
          ) as Json;
          const problem = (resolved.content as Json | undefined)?.['application/problem+json'] as
            | Json
            | undefined;
          if (!problem) continue;
          const examples = problem.example
            ? [problem.example as Json]
            : Object.values(problem.examples as Record<string, { value: Json }>).map((entry) => entry.value);
          for (const example of examples) documented.set(String(example.code), example);
        }
      }
    }
    // Answered outside any operation: an unknown route, headers Node's parser refuses, and a
    // request slower than the Node server's timeouts.
    const outsideOperations = new Set(['not_found', 'headers_too_large', 'request_timeout']);
    for (const [code, entry] of Object.entries(errorCatalog)) {
      if (outsideOperations.has(code)) continue;
      expect(documented.get(code), code).toMatchObject({
        status: entry.status,
        title: entry.title,
        type: problemTypeUri(code as keyof typeof errorCatalog),
      });
    }
    expect(components[errorComponentName('internal_error')]).toBeDefined();
  });

  it('says where it is served, keys /v1 by default and leaves the open operations open', async () => {
    const document = await fetchDocument();
    expect(document.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect((document.info as Json).license).toEqual({ name: 'Apache-2.0', identifier: 'Apache-2.0' });
    const paths = document.paths as Record<string, Record<string, Json>>;
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const open = !path.startsWith('/v1/') || path.startsWith('/v1/webhooks/');
        expect(operation.security, `${method} ${path}`).toEqual(open ? [] : [{ bearerAuth: [] }]);
        expect((operation.responses as Json)['500'], `${method} ${path} documents its 500`).toBeDefined();
      }
    }
  });

  it('never forbids null where answers send it: no nullable $ref rendered as allOf', async () => {
    const document = await fetchDocument();
    const offenders: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (Array.isArray(node)) {
        for (const [index, item] of node.entries()) walk(item, `${at}/${index}`);
      } else if (node && typeof node === 'object') {
        const allOf = (node as Json).allOf as Json[] | undefined;
        if (allOf?.some((part) => Array.isArray(part.type) && part.type.includes('null'))) offenders.push(at);
        for (const [key, value] of Object.entries(node)) walk(value, `${at}/${key}`);
      }
    };
    walk(document, '#');
    expect(offenders).toEqual([]);
  });

  it('pre-fills nothing: no optional parameter carries an example', async () => {
    const document = await fetchDocument();
    const paths = document.paths as Record<string, Record<string, Json>>;
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const parameter of (operation.parameters ?? []) as Json[]) {
          if (parameter.required === true) continue;
          const schema = parameter.schema as Json;
          const named = [schema, ...((schema.allOf ?? []) as Json[])].map((part) =>
            typeof part.$ref === 'string' ? (resolve(document, part.$ref) as Json) : part,
          );
          const where = `${method} ${path} ${String(parameter.name)}`;
          expect(parameter.example, where).toBeUndefined();
          expect(parameter.examples, where).toBeUndefined();
          for (const part of named) expect(part.example, where).toBeUndefined();
        }
      }
    }
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
    // Served by the gateway itself: no script or stylesheet from another origin.
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(sources).toEqual(['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js']);
  });
});
