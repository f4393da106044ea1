import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';

/**
 * Checks real answers against the gateway's own `/openapi.json` with a JSON Schema 2020-12
 * validator (ajv): the status must be documented for the operation, the media type must be one of
 * the response's, the body must match its schema, every required header must be there, every
 * documented header must match its schema, and every header the gateway is known to send must be
 * documented where it is sent.
 */

type Json = Record<string, unknown>;

/** Headers whose presence must be documented on the response that carries them. */
const watchedHeaders = [
  'x-request-id',
  'cache-status',
  'age',
  'server-timing',
  'retry-after',
  'www-authenticate',
];

/** One operation of the document. */
export interface DocumentedOperation {
  operationId: string;
  method: string;
  path: string;
  /** Documented statuses, as strings (`"200"`, `"503"`). */
  statuses: string[];
}

/** What a checked answer was, for the coverage check. */
export interface CheckedAnswer {
  operationId: string;
  status: number;
}

const escapePointer = (part: string) => part.replaceAll('~', '~0').replaceAll('/', '~1');

export class OpenApiConformance {
  readonly operations: DocumentedOperation[] = [];
  readonly checked: CheckedAnswer[] = [];
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  private readonly byId = new Map<string, DocumentedOperation>();

  constructor(private readonly document: Json) {
    // Registered whole, so the document's own `#/components/...` references resolve.
    this.ajv.addSchema(document, 'openapi.json');
    for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const entry = {
          operationId: String(operation.operationId),
          method,
          path,
          statuses: Object.keys(operation.responses as Json),
        };
        this.operations.push(entry);
        this.byId.set(entry.operationId, entry);
      }
    }
  }

  private resolve(ref: string): Json {
    return ref
      .replace(/^#\//, '')
      .split('/')
      .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<Json>((node, part) => node[part] as Json, this.document);
  }

  private deref(node: Json): Json {
    return typeof node.$ref === 'string' ? this.deref(this.resolve(node.$ref)) : node;
  }

  /**
   * Asserts that `response` (already read into `body`) is what the document promises for
   * `operationId` at its status, and records the answer for {@link uncovered}.
   */
  async check(operationId: string, response: Response, label: string): Promise<unknown> {
    const operation = this.byId.get(operationId);
    if (!operation) throw new Error(`no operation ${operationId} in the document`);
    const text = await response.text();
    const where = `${label}: ${operation.method.toUpperCase()} ${operation.path} → ${response.status}`;
    const status = String(response.status);
    expect(operation.statuses, `${where} is a documented status (${text.slice(0, 300)})`).toContain(status);
    const responsePointer = `/paths/${escapePointer(operation.path)}/${operation.method}/responses/${status}`;
    const raw = this.resolve(`#${responsePointer}`);
    const declared = this.deref(raw);
    const pointer = typeof raw.$ref === 'string' ? raw.$ref.replace(/^#/, '') : responsePointer;

    // Headers: required ones present, present ones valid, watched ones documented.
    const headers = (declared.headers ?? {}) as Record<string, Json>;
    const documentedNames = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
    for (const [name, headerOrRef] of Object.entries(headers)) {
      const header = this.deref(headerOrRef);
      const value = response.headers.get(name);
      if (header.required === true) expect(value, `${where}: header ${name} is required`).not.toBeNull();
      if (value !== null && header.schema) {
        const validate = this.ajv.compile(header.schema as Json);
        expect(validate(value), `${where}: header ${name}: ${value}`).toBe(true);
      }
    }
    for (const name of watchedHeaders) {
      if (response.headers.has(name))
        expect(documentedNames.has(name), `${where}: header ${name} is sent but not documented`).toBe(true);
    }

    // Media type and body.
    const content = (declared.content ?? {}) as Record<string, Json>;
    if (Object.keys(content).length === 0) {
      // A documented answer without a body (204): none may be sent.
      expect(text, `${where}: no body`).toBe('');
      this.checked.push({ operationId, status: response.status });
      return text;
    }
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    expect(Object.keys(content), `${where}: media type ${mediaType}`).toContain(mediaType);
    this.checked.push({ operationId, status: response.status });
    if (!mediaType.endsWith('json')) return text;
    const body = JSON.parse(text) as unknown;
    const validate = this.ajv.getSchema(`openapi.json#${pointer}/content/${escapePointer(mediaType)}/schema`);
    if (!validate) throw new Error(`${where}: no schema at ${pointer}`);
    const valid = validate(body);
    expect(valid, `${where}: body ${JSON.stringify(validate.errors)} in ${text.slice(0, 500)}`).toBe(true);
    return body;
  }

  /** `operationId status` of every documented answer no check has seen yet. */
  uncovered(): string[] {
    const seen = new Set(this.checked.map((entry) => `${entry.operationId} ${entry.status}`));
    return this.operations.flatMap((operation) =>
      operation.statuses
        .map((status) => `${operation.operationId} ${status}`)
        .filter((key) => !seen.has(key)),
    );
  }
}
