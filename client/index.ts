import createFetchClient from 'openapi-fetch';
import type { components, operations, paths } from './schema';

/**
 * The typed client of the entitlements gateway (`entitlements-gateway/client`). Its types are
 * generated from the gateway's `/openapi.json` (client/schema.d.ts, written by `npm ci` and `npm test`), so every
 * field an answer gains in the document (for instance the `vendors` and `partial` fields of merged
 * answers) appears here without a code change. Requests go through openapi-fetch; problems
 * (RFC 9457) are thrown as {@link GatewayProblemError}; lists page through `nextCursor` with async
 * iterators. Works in Node ≥ 20, Workers and browsers (a `fetch` is all it needs).
 */

type Schemas = components['schemas'];
export type Entitlement = Schemas['Entitlement'];
export type EntitlementList = Schemas['EntitlementList'];
export type CheckResult = Schemas['CheckResult'];
export type BatchCheckItem = Schemas['BatchCheckItem'];
export type BatchCheckError = Schemas['BatchCheckError'];
export type BatchCheckResponse = Schemas['BatchCheckResponse'];
export type Balance = Schemas['Balance'];
export type BalanceList = Schemas['BalanceList'];
export type RefreshResult = Schemas['RefreshResult'];
export type Problem = Schemas['Problem'];
export type VendorId = Schemas['VendorId'];
export type { components, operations, paths };

/** Query parameters of each operation, as the document declares them. */
export type ListEntitlementsQuery = NonNullable<operations['listEntitlements']['parameters']['query']>;
export type CheckQuery = NonNullable<operations['checkEntitlement']['parameters']['query']>;
export type RefreshQuery = NonNullable<operations['refreshEntitlements']['parameters']['query']>;
export type ListBalancesQuery = NonNullable<operations['listBalances']['parameters']['query']>;

/** A problem answer of the gateway, thrown by every client method. */
export class GatewayProblemError extends Error {
  /** The HTTP status (also `problem.status`). */
  readonly status: number;
  /** The machine code of the gateway's error table (`customer_not_found`, `vendor_timeout`, …). */
  readonly code: string;
  /** The request id to quote when asking about this failure (the `X-Request-Id` header). */
  readonly requestId: string;
  /** Seconds to wait before retrying, when the gateway said (`Retry-After`). */
  readonly retryAfterSeconds: number | null;

  constructor(
    readonly problem: Problem,
    response: Response,
  ) {
    super(`${problem.title} (${problem.code}, HTTP ${problem.status}): ${problem.detail}`);
    this.name = 'GatewayProblemError';
    this.status = problem.status;
    this.code = problem.code;
    this.requestId = problem.requestId;
    const retryAfter = response.headers.get('retry-after');
    this.retryAfterSeconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : null;
  }
}

/** Options of {@link createGatewayClient}. */
export interface GatewayClientOptions {
  /** The gateway's origin, such as `http://127.0.0.1:3000` (no trailing `/v1`). */
  baseUrl: string;
  /** A gateway API key, sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** The `fetch` to use (tests, proxies); default: the global one. */
  fetch?: (request: Request) => Promise<Response>;
}

function isProblem(value: unknown): value is Problem {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Problem).code === 'string' &&
    typeof (value as Problem).status === 'number'
  );
}

/** The body of a successful answer, or the problem of a failed one thrown. */
function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const error = result.error;
    if (isProblem(error)) throw new GatewayProblemError(error, result.response);
    throw new GatewayProblemError(
      {
        type: 'about:blank',
        title: result.response.statusText || 'Unexpected answer',
        status: result.response.status,
        detail: 'The gateway answered without a problem body.',
        code: 'unexpected_response',
        requestId: result.response.headers.get('x-request-id') ?? '',
      },
      result.response,
    );
  }
  return result.data as T;
}

/** Builds a client for one gateway and key. */
export function createGatewayClient(options: GatewayClientOptions) {
  const http = createFetchClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });

  async function listEntitlements(customerId: string, query: ListEntitlementsQuery = {}) {
    return unwrap(
      await http.GET('/v1/customers/{customerId}/entitlements', {
        params: { path: { customerId }, query },
      }),
    );
  }

  async function listBalances(query: ListBalancesQuery = {}) {
    return unwrap(await http.GET('/v1/balances', { params: { query } }));
  }

  return {
    /** The underlying openapi-fetch client, for anything the helpers below do not cover. */
    http,

    /** May `customerId` use `featureKey` now (or at `query.at`), optionally for `requestedUsage`? */
    async checkEntitlement(customerId: string, featureKey: string, query: CheckQuery = {}) {
      return unwrap(
        await http.GET('/v1/customers/{customerId}/entitlements/{featureKey}', {
          params: { path: { customerId, featureKey }, query },
        }),
      );
    },

    /** Up to 100 checks in one request; each result is a check or that item's own problem. */
    async batchCheck(checks: BatchCheckItem[]) {
      return unwrap(await http.POST('/v1/check', { body: { checks } }));
    },

    /** One page of a customer's entitlements; pass `nextCursor` back as `cursor` for the next. */
    listEntitlements,

    /** Every page of a customer's entitlements, following `nextCursor`. */
    async *entitlementPages(customerId: string, query: Omit<ListEntitlementsQuery, 'cursor'> = {}) {
      let cursor: string | undefined;
      do {
        const page = await listEntitlements(customerId, cursor === undefined ? query : { ...query, cursor });
        yield page;
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    },

    /** Every entitlement of a customer, one at a time, across pages. */
    async *entitlements(customerId: string, query: Omit<ListEntitlementsQuery, 'cursor'> = {}) {
      let cursor: string | undefined;
      do {
        const page = await listEntitlements(customerId, cursor === undefined ? query : { ...query, cursor });
        yield* page.data;
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    },

    /** Drops and reloads a customer's cached snapshot. */
    async refreshEntitlements(customerId: string, query: RefreshQuery = {}) {
      return unwrap(
        await http.POST('/v1/customers/{customerId}/entitlements/refresh', {
          params: { path: { customerId }, query },
        }),
      );
    },

    /** One page of a vendor's cross-customer balances. */
    listBalances,

    /** Every page of a balance listing, following `nextCursor`. */
    async *balancePages(query: Omit<ListBalancesQuery, 'cursor'> = {}) {
      let cursor: string | undefined;
      do {
        const page = await listBalances(cursor === undefined ? query : { ...query, cursor });
        yield page;
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    },
  };
}

/** The client {@link createGatewayClient} returns. */
export type GatewayClient = ReturnType<typeof createGatewayClient>;
