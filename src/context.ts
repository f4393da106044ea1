import type { Redis } from 'ioredis';
import type { Clock, LoadContext, VendorAdapter } from '../adapters/kit';
import type { UpstreamCallReport } from '../adapters/kit/upstream';
import type { VendorId } from '../schemas/entitlement';
import type { GatewayConfig, TenantConfig } from './config';
import type { Logger } from './logger';
import type { CallerRateLimiter } from './rate-limit/caller-rate-limiter';
import type { CursorCodec } from './services/cursor';
import type { CustomerLinkService } from './services/customer-link-service';
import type { EntitlementService } from './services/entitlement-service';

/** What the request pipeline needs from the platform it runs on (Node or Workers). */
export interface PlatformServices {
  /** Keeps background work (cache refresh, Redis close) alive after the response. */
  waitUntil(promise: Promise<unknown>): void;
  /** Where the vendor calls this request causes are reported (access log, `Server-Timing`). */
  upstreamCalls: UpstreamCallReport[];
}

/** Per-request services, built once the tenant is known. */
export interface RequestServices {
  entitlements: EntitlementService;
  /** The tenant's customer links (static and dynamic). */
  links: CustomerLinkService;
}

/** Per-app services shared by every request. */
export interface GatewayRuntime {
  config: GatewayConfig;
  logger: Logger;
  clock: Clock;
  cursors: CursorCodec;
  /** Caller rate limits of this process or isolate (shared through Redis when configured). */
  rateLimiter: CallerRateLimiter;
  adapterFor(tenant: TenantConfig, vendor: VendorId): VendorAdapter;
  /** Builds the request's services (its cache view, its service) for a tenant. */
  openRequest(input: {
    tenant: TenantConfig;
    platform: PlatformServices;
    forceRefresh: boolean;
  }): RequestServices & {
    /** Invalidates a customer's cached data at a vendor in every tier. */
    invalidateCustomer(vendor: VendorId, customerId: string): Promise<void>;
    /** Loads a customer's snapshot from the vendor and stores it. */
    reload(vendor: VendorId, customerId: string): Promise<{ entitlementCount: number; fetchedAt: string }>;
    /** Drops a vendor's cached catalogue (feature definitions). */
    invalidateCatalog(vendor: VendorId): Promise<void>;
    /** Claims a webhook event id: true the first time it is seen (across instances when Redis is up). */
    claimEvent(vendor: VendorId, eventId: string): Promise<boolean>;
    /** Releases a claim after a failed processing, so the vendor's retry is processed. */
    releaseEvent(vendor: VendorId, eventId: string): Promise<void>;
    /** The adapter call context (side cache) of a vendor, for webhook resolution. */
    loadContext(vendor: VendorId): LoadContext;
    /** Releases per-request resources once the response is ready (a Worker's Redis client). */
    release(): void;
    /** The Redis client of this request (shared on Node, the request's own on Workers); null without Redis. */
    redis: Redis | null;
  };
  /** Readiness of optional dependencies (Redis). */
  readiness(platform: PlatformServices): Promise<{ ready: boolean; checks: Record<string, string> }>;
}

/** Hono variables set by the middleware. */
export interface GatewayVariables {
  requestId: string;
  /** The W3C trace id of this request (continued from `traceparent`, else new), for log lines. */
  traceId: string;
  tenant: TenantConfig;
  /** Lower-case hex SHA-256 of the caller's API key (set by authentication; names its rate limit bucket). */
  apiKeyHash: string;
  platform: PlatformServices;
  upstreamCalls: UpstreamCallReport[];
  /** When the request started (monotonic milliseconds), for `Server-Timing` and the access log. */
  startedAt: number;
  /** The vendor the request concerned, for the access log. */
  vendor?: VendorId;
  /** What the cache did, for the access log and headers. */
  cacheStatus?: string;
  /** Where a cached answer came from (memory or Redis), for the access log. */
  cacheTier?: string;
}

export interface GatewayEnv {
  Variables: GatewayVariables;
}
