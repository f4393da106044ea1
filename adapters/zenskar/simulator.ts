import { Hono } from 'hono';
import { createSimulatorKit, type SimulatorKit } from '../simulator-kit';
import {
  type ZenskarCustomerRecord,
  type ZenskarDemoCustomer,
  type ZenskarEntitlementDefinition,
  type ZenskarFixtureSet,
  type ZenskarReference,
  type ZenskarStoredRow,
  zenskarDemoFixtures,
  zenskarSandboxCredentials,
} from './fixtures';
import { parseZenskarInstant } from './wire';

/**
 * A Zenskar API double that follows the vendor's documentation (its public API reference for the entitlement endpoints), not
 * the adapter: the sandbox backend and the integration-test double.
 *
 * Implemented: `GET /entitlements/customer/{customer_id}` and `GET /entitlements/customers_balances`
 * with the documented auth (`x-api-key` + `organisation`; a bad organisation is the authorizer's 403
 * `{"Message": …}`, a bad key a 401 `{detail}`), FastAPI-style 422 `{detail:[{type, loc, msg, input}]}`
 * on bad parameters, 404 `{detail: "Customer not found"}`, and cursor pagination with opaque
 * server-side tokens (random base64url, nothing decodable in them).
 *
 * Where the docs are silent the simulator picks one documented-compatible behaviour: default order
 * `created_at` ascending; ties broken by row id in the sort direction; nulls last ascending and first
 * descending (PostgreSQL's default); range filters never match a null value; a repeated query
 * parameter counts by its last value (FastAPI's scalar parameters); `populate` fills `name`/`email`,
 * and without it reference objects carry only their id.
 */

/** Credentials the simulator accepts. */
export interface ZenskarSimulatorCredentials {
  apiKey: string;
  organisation: string;
}

/** Options of {@link createZenskarSimulator}. */
export interface ZenskarSimulatorOptions {
  /** Accepted credentials; default {@link zenskarSandboxCredentials}. */
  credentials?: ZenskarSimulatorCredentials;
  /** Seed data; default the demo customers and catalogue. Copied, so the caller's objects stay untouched. */
  fixtures?: ZenskarFixtureSet;
  /** How many cursors are remembered before the oldest are forgotten. Default 10,000. */
  cursorCapacity?: number;
}

/** The simulator's mutable data: change it in tests to change what the API answers. */
export interface ZenskarSimulatorStore {
  /** What the auth check accepts; mutable so tests can rotate credentials. */
  credentials: ZenskarSimulatorCredentials;
  definitions: Map<string, ZenskarEntitlementDefinition>;
  /** Customers by id (lower-case), each with its rows in insertion order. */
  customers: Map<string, ZenskarDemoCustomer>;
  /** Every row of every customer, customers in insertion order. */
  allRows(): ZenskarStoredRow[];
  /** Adds or replaces a customer (and any definitions its rows need). */
  putCustomer(customer: ZenskarDemoCustomer, definitions?: ZenskarEntitlementDefinition[]): void;
  /** Removes a customer; the API then answers 404 for it. */
  deleteCustomer(customerId: string): boolean;
}

/** A running simulator: the Hono app, the shared kit (recording, faults) and the store. */
export interface ZenskarSimulator {
  app: Hono;
  kit: SimulatorKit;
  store: ZenskarSimulatorStore;
}

/** A FastAPI/pydantic validation issue, as Zenskar's 422 bodies list them. */
interface ValidationIssue {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

const sortKeys = ['id', 'created_at', 'quantity', 'quantity_used', 'active_from', 'expiry_at'] as const;
type SortKey = (typeof sortKeys)[number];
const populateFields = ['customer', 'contract', 'product', 'invoice'] as const;
type PopulateField = (typeof populateFields)[number];
const rowStatuses = ['draft', 'active', 'expired', 'voided'] as const;
const rangeSuffixes = ['', '__gt', '__gte', '__lt', '__lte', '__neq'] as const;
type RangeSuffix = (typeof rangeSuffixes)[number];
const numericRangeFields = ['quantity', 'quantity_used'] as const;
const dateRangeFields = ['created_at', 'active_from', 'expiry_at'] as const;
type RangeField = (typeof numericRangeFields)[number] | (typeof dateRangeFields)[number];

interface RangeFilter {
  field: RangeField;
  suffix: RangeSuffix;
  /** A number, or epoch milliseconds for dates. */
  value: number;
}

/** A parsed, validated listing query shared by both endpoints. */
interface ListingQuery {
  customers: string[] | null;
  entitlements: string[] | null;
  contracts: string[] | null;
  statuses: string[] | null;
  ranges: RangeFilter[];
  search: string | null;
  sortKey: SortKey;
  descending: boolean;
  populate: Set<PopulateField>;
  limit: number;
  cursor: string | null;
}

interface CursorState {
  /** The endpoint, customer and every filter/sort parameter it was issued for. */
  scope: string;
  direction: 'next' | 'previous';
  anchor: { value: SortValue; id: string };
}

type SortValue = string | number | null;

const uuidPattern =
  /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/** Canonical lower-case hyphenated form, or null; pydantic's `UUID` accepts the same spellings. */
function canonicalUuid(text: string): string | null {
  const match = uuidPattern.exec(text.trim());
  if (!match) return null;
  return match.slice(1).join('-').toLowerCase();
}

function lastValue(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  return values.length === 0 ? undefined : values[values.length - 1];
}

const floatPattern = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

class QueryReader {
  readonly issues: ValidationIssue[] = [];

  constructor(private readonly params: URLSearchParams) {}

  raw(name: string): string | undefined {
    return lastValue(this.params, name);
  }

  limit(fallback: number): number {
    const raw = this.raw('limit');
    if (raw === undefined) return fallback;
    if (!/^\s*[+-]?\d+\s*$/.test(raw)) {
      this.issues.push({
        type: 'int_parsing',
        loc: ['query', 'limit'],
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        input: raw,
      });
      return fallback;
    }
    const value = Number.parseInt(raw, 10);
    if (value < 1) {
      this.issues.push({
        type: 'greater_than_equal',
        loc: ['query', 'limit'],
        msg: 'Input should be greater than or equal to 1',
        input: raw,
        ctx: { ge: 1 },
      });
    } else if (value > 100) {
      this.issues.push({
        type: 'less_than_equal',
        loc: ['query', 'limit'],
        msg: 'Input should be less than or equal to 100',
        input: raw,
        ctx: { le: 100 },
      });
    }
    return value;
  }

  /** `name` (one uuid) and `name__in` (comma list of uuids), both applied when both are given. */
  uuidFilter(name: string): string[] | null {
    const single = this.raw(name);
    const list = this.raw(`${name}__in`);
    if (single === undefined && list === undefined) return null;
    let accepted: string[] | null = null;
    if (single !== undefined) {
      const id = this.uuid(single, ['query', name]);
      accepted = id === null ? [] : [id];
    }
    if (list !== undefined) {
      const ids: string[] = [];
      for (const item of list.split(',')) {
        if (item.trim() === '') continue;
        const id = this.uuid(item, ['query', `${name}__in`]);
        if (id !== null) ids.push(id);
      }
      accepted = accepted === null ? ids : accepted.filter((id) => ids.includes(id));
    }
    return accepted;
  }

  uuid(text: string, loc: Array<string | number>): string | null {
    const id = canonicalUuid(text);
    if (id === null) {
      this.issues.push({ type: 'uuid_parsing', loc, msg: 'Input should be a valid UUID', input: text });
    }
    return id;
  }

  ranges(): RangeFilter[] {
    const filters: RangeFilter[] = [];
    for (const field of [...numericRangeFields, ...dateRangeFields]) {
      for (const suffix of rangeSuffixes) {
        const name = `${field}${suffix}`;
        const raw = this.raw(name);
        if (raw === undefined) continue;
        const isDate = (dateRangeFields as readonly string[]).includes(field);
        const value = isDate ? parseZenskarInstant(raw) : floatPattern.test(raw) ? Number(raw) : null;
        if (value === null || !Number.isFinite(value)) {
          this.issues.push(
            isDate
              ? {
                  type: 'datetime_parsing',
                  loc: ['query', name],
                  msg: 'Input should be a valid datetime',
                  input: raw,
                }
              : {
                  type: 'float_parsing',
                  loc: ['query', name],
                  msg: 'Input should be a valid number, unable to parse string as a number',
                  input: raw,
                },
          );
          continue;
        }
        filters.push({ field, suffix, value });
      }
    }
    return filters;
  }

  choice<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.issues.push({
      type: 'enum',
      loc: ['query', name],
      msg: `Input should be ${allowed.map((value) => `'${value}'`).join(', ')}`,
      input: raw,
      ctx: { expected: allowed.join(', ') },
    });
    return undefined;
  }

  commaChoices<T extends string>(name: string, allowed: readonly T[]): T[] | null {
    const raw = this.raw(name);
    if (raw === undefined) return null;
    const chosen: T[] = [];
    for (const item of raw.split(',')) {
      const value = item.trim();
      if (value === '') continue;
      if ((allowed as readonly string[]).includes(value)) chosen.push(value as T);
      else {
        this.issues.push({
          type: 'enum',
          loc: ['query', name],
          msg: `Input should be ${allowed.map((option) => `'${option}'`).join(', ')}`,
          input: value,
          ctx: { expected: allowed.join(', ') },
        });
      }
    }
    return chosen;
  }
}

/**
 * Reads the parameters an endpoint documents. The balances listing takes the cross-customer filters;
 * the customer list takes `status`. FastAPI ignores undocumented parameters, so they never filter.
 */
function readListingQuery(params: URLSearchParams, endpoint: 'balances' | 'customer') {
  const reader = new QueryReader(params);
  const balances = endpoint === 'balances';
  const query: ListingQuery = {
    customers: balances ? reader.uuidFilter('customer') : null,
    entitlements: balances ? reader.uuidFilter('entitlement') : null,
    contracts: balances ? reader.uuidFilter('contract_id') : null,
    statuses: balances ? null : reader.commaChoices('status', rowStatuses),
    ranges: balances ? reader.ranges() : [],
    search: reader.raw('search')?.trim() || null,
    sortKey: reader.choice('sort_key', sortKeys) ?? 'created_at',
    descending: reader.choice('sort_type', ['asc', 'desc'] as const) === 'desc',
    populate: new Set(reader.commaChoices('populate', populateFields) ?? []),
    // Documented defaults: 50 for the balances listing, 10 for the customer list; 1-100 for both.
    limit: reader.limit(balances ? 50 : 10),
    cursor: reader.raw('cursor') ?? null,
  };
  return { query, issues: reader.issues };
}

/** Everything but `cursor` and `limit`, canonical: a cursor is only valid for the listing it came from. */
function scopeOf(endpoint: string, params: URLSearchParams): string {
  const names = [...new Set(params.keys())].filter((name) => name !== 'cursor' && name !== 'limit').sort();
  return JSON.stringify([endpoint, ...names.map((name) => [name, lastValue(params, name)])]);
}

function instantOrNull(text: string | null): number | null {
  return text === null ? null : parseZenskarInstant(text);
}

function sortValue(row: ZenskarStoredRow, key: SortKey): SortValue {
  switch (key) {
    case 'id':
      return row.id;
    case 'quantity':
      return row.quantity;
    case 'quantity_used':
      return row.quantity_used;
    default:
      return instantOrNull(row[key]);
  }
}

/** ORDER BY key, id with PostgreSQL's null placement (last ascending, first descending). */
function compareKeys(
  a: { value: SortValue; id: string },
  b: { value: SortValue; id: string },
  descending: boolean,
): number {
  const direction = descending ? -1 : 1;
  if (a.value !== b.value) {
    if (a.value === null) return direction;
    if (b.value === null) return -direction;
    return (a.value < b.value ? -1 : 1) * direction;
  }
  if (a.id === b.id) return 0;
  return (a.id < b.id ? -1 : 1) * direction;
}

function rangeMatches(value: number | null, filter: RangeFilter): boolean {
  if (value === null) return false;
  switch (filter.suffix) {
    case '':
      return value === filter.value;
    case '__gt':
      return value > filter.value;
    case '__gte':
      return value >= filter.value;
    case '__lt':
      return value < filter.value;
    case '__lte':
      return value <= filter.value;
    case '__neq':
      return value !== filter.value;
  }
}

function rangeValue(row: ZenskarStoredRow, field: RangeField): number | null {
  if (field === 'quantity' || field === 'quantity_used') return row[field];
  return instantOrNull(row[field]);
}

function remainingOf(row: ZenskarStoredRow): number | null {
  if (row.quantity_remaining !== undefined) return row.quantity_remaining;
  return row.quantity === null || row.quantity_used === null ? null : row.quantity - row.quantity_used;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');
}

function validationError(issues: ValidationIssue[]): Response {
  return Response.json({ detail: issues }, { status: 422 });
}

/** Builds the simulator (see the module comment for what it implements). */
export function createZenskarSimulator(options: ZenskarSimulatorOptions = {}): ZenskarSimulator {
  const kit = createSimulatorKit();
  const fixtures = structuredClone(options.fixtures ?? zenskarDemoFixtures());
  const cursorCapacity = options.cursorCapacity ?? 10_000;
  const cursors = new Map<string, CursorState>();

  const store: ZenskarSimulatorStore = {
    credentials: { ...(options.credentials ?? zenskarSandboxCredentials) },
    definitions: new Map(),
    customers: new Map(),
    allRows() {
      return [...store.customers.values()].flatMap((customer) => customer.rows);
    },
    putCustomer(customer, definitions = []) {
      for (const item of definitions) store.definitions.set(item.id.toLowerCase(), item);
      store.customers.set(customer.id.toLowerCase(), customer);
    },
    deleteCustomer(customerId) {
      return store.customers.delete(customerId.toLowerCase());
    },
  };
  for (const item of fixtures.definitions) store.definitions.set(item.id.toLowerCase(), item);
  for (const customer of fixtures.customers) store.putCustomer(customer);

  const definitionOf = (row: ZenskarStoredRow) => store.definitions.get(row.entitlement.toLowerCase());
  const customerOf = (row: ZenskarStoredRow): ZenskarCustomerRecord | undefined =>
    store.customers.get(row.customer.toLowerCase());

  function matches(row: ZenskarStoredRow, query: ListingQuery): boolean {
    if (query.customers && !query.customers.includes(row.customer.toLowerCase())) return false;
    if (query.entitlements && !query.entitlements.includes(row.entitlement.toLowerCase())) return false;
    if (query.contracts && !(row.contract && query.contracts.includes(row.contract.id.toLowerCase()))) {
      return false;
    }
    if (query.statuses && !(row.status !== null && query.statuses.includes(row.status))) return false;
    for (const filter of query.ranges) {
      if (!rangeMatches(rangeValue(row, filter.field), filter)) return false;
    }
    if (query.search !== null) {
      const definition = definitionOf(row);
      const text = `${definition?.name ?? ''}\n${definition?.description ?? ''}`.toLowerCase();
      if (!text.includes(query.search.toLowerCase())) return false;
    }
    return true;
  }

  function remember(state: CursorState): string {
    const token = randomToken();
    cursors.set(token, state);
    while (cursors.size > cursorCapacity) {
      const oldest = cursors.keys().next().value;
      if (oldest === undefined) break;
      cursors.delete(oldest);
    }
    return token;
  }

  /**
   * Keyset pagination over the filtered, sorted rows: a cursor remembers the sort key and id of the
   * row it continues from, so rows added or removed between pages neither repeat nor shift others.
   */
  function page(rows: ZenskarStoredRow[], query: ListingQuery, scope: string) {
    const keyed = rows
      .filter((row) => matches(row, query))
      .map((row) => ({ row, key: { value: sortValue(row, query.sortKey), id: row.id } }))
      .sort((a, b) => compareKeys(a.key, b.key, query.descending));
    let selected: typeof keyed;
    if (query.cursor === null) selected = keyed.slice(0, query.limit);
    else {
      const state = cursors.get(query.cursor);
      if (!state || state.scope !== scope) return { error: 'cursor' as const };
      if (state.direction === 'next') {
        selected = keyed.filter((item) => compareKeys(item.key, state.anchor, query.descending) > 0);
        selected = selected.slice(0, query.limit);
      } else {
        selected = keyed.filter((item) => compareKeys(item.key, state.anchor, query.descending) < 0);
        selected = selected.slice(Math.max(0, selected.length - query.limit));
      }
    }
    const first = selected[0];
    const last = selected[selected.length - 1];
    const hasAfter =
      last !== undefined && keyed.some((item) => compareKeys(item.key, last.key, query.descending) > 0);
    const hasBefore =
      first !== undefined && keyed.some((item) => compareKeys(item.key, first.key, query.descending) < 0);
    return {
      rows: selected.map((item) => item.row),
      next: hasAfter && last ? remember({ scope, direction: 'next', anchor: last.key }) : null,
      previous: hasBefore && first ? remember({ scope, direction: 'previous', anchor: first.key }) : null,
      total: keyed.length,
    };
  }

  const reference = (value: ZenskarReference | null, populated: boolean, withEmail: boolean) => {
    if (value === null) return null;
    const name = populated ? value.name : null;
    return withEmail ? { id: value.id, name, email: null } : { id: value.id, name };
  };

  const customerValue = (row: ZenskarStoredRow, populated: boolean) => {
    if (!populated) return row.customer;
    const customer = customerOf(row);
    return { id: row.customer, name: customer?.name ?? null, email: customer?.email ?? null };
  };

  /** Seed 002's `EntitlementCustomerResponseSchema`. */
  function renderCustomerRow(row: ZenskarStoredRow, populate: Set<PopulateField>) {
    const definition = definitionOf(row);
    return {
      id: row.id,
      entitlement: row.entitlement,
      name: definition?.name ?? '',
      units: definition?.units ?? null,
      customer: customerValue(row, populate.has('customer')),
      type: definition?.entitlement_type ?? null,
      source_type: row.source_type,
      source_id: row.source_id,
      contract: reference(row.contract, populate.has('contract'), true),
      product: reference(row.product, populate.has('product'), true),
      invoice: reference(row.invoice, populate.has('invoice'), true),
      active_from: row.active_from,
      expiry_at: row.expiry_at,
      quantity: row.quantity,
      quantity_used: row.quantity_used,
      quantity_remaining: remainingOf(row),
      created_at: row.created_at,
      contract_id: row.contract?.id ?? null,
      event: row.event,
      invoice_id: row.invoice?.id ?? null,
      status: row.status,
    };
  }

  /** The balances example's row: no `status`, no `source_type`. */
  function renderBalanceRow(row: ZenskarStoredRow, populate: Set<PopulateField>) {
    const definition = definitionOf(row);
    return {
      id: row.id,
      entitlement: row.entitlement,
      name: definition?.name ?? null,
      units: definition?.units ?? null,
      customer: customerValue(row, populate.has('customer')),
      contract: reference(row.contract, populate.has('contract'), false),
      product: reference(row.product, populate.has('product'), false),
      invoice: reference(row.invoice, populate.has('invoice'), false),
      contract_id: row.contract?.id ?? null,
      invoice_id: row.invoice?.id ?? null,
      quantity: row.quantity,
      quantity_used: row.quantity_used,
      quantity_remaining: remainingOf(row),
      active_from: row.active_from,
      expiry_at: row.expiry_at,
      created_at: row.created_at,
      event: row.event,
    };
  }

  const app = new Hono();
  app.use('*', kit.middleware);

  // The API gateway's authorizer checks the organisation before the application sees the request.
  app.use('*', async (c, next) => {
    const organisation = c.req.header('organisation');
    if (organisation === undefined || organisation !== store.credentials.organisation) {
      return c.json({ Message: 'User is not authorized to access this resource with an explicit deny' }, 403);
    }
    const apiKey = c.req.header('x-api-key');
    if (apiKey === undefined || apiKey !== store.credentials.apiKey) {
      return c.json({ detail: 'Invalid or missing API key' }, 401);
    }
    await next();
  });

  app.get('/entitlements/customers_balances', (c) => {
    const params = new URL(c.req.url).searchParams;
    const { query, issues } = readListingQuery(params, 'balances');
    if (issues.length > 0) return validationError(issues);
    const result = page(store.allRows(), query, scopeOf('customers_balances', params));
    if ('error' in result) {
      return validationError([
        {
          type: 'value_error',
          loc: ['query', 'cursor'],
          msg: 'Value error, invalid cursor',
          input: query.cursor,
        },
      ]);
    }
    return c.json({
      results: result.rows.map((row) => renderBalanceRow(row, query.populate)),
      next: result.next,
      previous: result.previous,
      total: result.total,
    });
  });

  app.get('/entitlements/customer/:customer_id', (c) => {
    const params = new URL(c.req.url).searchParams;
    const { query, issues } = readListingQuery(params, 'customer');
    const rawId = c.req.param('customer_id');
    const customerId = canonicalUuid(rawId);
    if (customerId === null) {
      issues.unshift({
        type: 'uuid_parsing',
        loc: ['path', 'customer_id'],
        msg: 'Input should be a valid UUID',
        input: rawId,
      });
    }
    if (issues.length > 0 || customerId === null) return validationError(issues);
    const customer = store.customers.get(customerId);
    if (!customer) return c.json({ detail: 'Customer not found' }, 404);
    const scoped = new URLSearchParams();
    for (const name of ['sort_key', 'sort_type', 'search', 'populate', 'status']) {
      const value = lastValue(params, name);
      if (value !== undefined) scoped.set(name, value);
    }
    const result = page(customer.rows, query, scopeOf(`customer/${customerId}`, scoped));
    if ('error' in result) {
      return validationError([
        {
          type: 'value_error',
          loc: ['query', 'cursor'],
          msg: 'Value error, invalid cursor',
          input: query.cursor,
        },
      ]);
    }
    return c.json({
      results: result.rows.map((row) => renderCustomerRow(row, query.populate)),
      next: result.next,
      previous: result.previous,
      total_count: result.total,
    });
  });

  app.notFound((c) => c.json({ detail: 'Not Found' }, 404));
  app.onError(
    () => new Response('Internal Server Error', { status: 500, headers: { 'content-type': 'text/plain' } }),
  );

  return { app, kit, store };
}
