/**
 * Generated from the gateway's /openapi.json by openapi-typescript: do not edit by hand.
 * Regenerate with `npx tsx scripts/generate-client-types.ts` (a test fails while it is stale).
 */

export interface paths {
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Interactive reference (Swagger UI)
         * @description Swagger UI over this document, served with its assets by the gateway (no CDN).
         */
        get: operations["docsPage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This OpenAPI document */
        get: operations["openApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness
         * @description Ready (200) unless the configuration is unusable (`config: invalid`, Workers) or a tenant can only get errors: every vendor it uses is unreachable (circuit breaker open) and this instance holds nothing cached for it (`tenants` counts them, never names them). `upstream:<vendor>` is the least healthy breaker of that vendor across tenants. Redis down is reported (`redis: down`) but does not make the gateway unready: it serves from memory and the vendors.
         */
        get: operations["readiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/balances": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List balances across customers
         * @description Customer entitlement balances across customers, through the vendor's own filtered listing (Zenskar: `GET /entitlements/customers_balances`). Filters, sort, search and `populate` are in gateway naming and translated by the adapter; range filters are `<field>[<operator>]=<value>` with operators `eq`, `gt`, `gte`, `lt`, `lte`, `neq` (e.g. `quantity[gte]=10`, `expiresAt[lt]=2026-01-01T00:00:00Z`); sorting is `sort=<key>&order=asc|desc`. Each page is one vendor page, fetched live (balances are not cached: `Cache-Status` says `fwd=bypass`); `nextCursor` wraps the vendor cursor, signed and bound to the tenant, vendor and filters. A filter the vendor cannot express is a 400 `unsupported_filter` naming it; a vendor without such a listing (Paygentic, Chargebee) is a 501 `not_supported_by_vendor`.
         */
        get: operations["listBalances"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check many features at once
         * @description 1–100 checks answered in order. Each item succeeds or fails on its own: a failing item carries its problem in `error` and the batch is still a 200.
         */
        post: operations["batchCheck"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/customers/{customerId}/entitlements": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a customer's entitlements
         * @description One normalized entitlement per feature, ordered by `featureKey`, paged with an opaque signed cursor. Served from the cached snapshot of the customer (all vendor pages); `Cache-Control: no-cache` forces a reload.
         */
        get: operations["listEntitlements"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/customers/{customerId}/entitlements/{featureKey}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Check one feature
         * @description Whether the customer may use the feature now (or at `at`), optionally for `requestedUsage` more units. A feature the customer has no entitlement to answers 200 with `hasAccess:false, reason:"not_entitled"`; an unknown customer is a 404.
         */
        get: operations["checkEntitlement"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/customers/{customerId}/entitlements/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Reload a customer's cached entitlements from the vendor
         * @description Loads the snapshot again from the vendor and replaces the cached copy in every tier. The copy is replaced only when the load succeeds: on a vendor failure the problem is answered and the cached copy keeps being served (stale-if-error). When the shared cache (Redis) is unreachable the answer is 503 `cache_unavailable` with `Retry-After`: this instance has the new copy, other instances keep theirs. For a linked app customer, refreshes its account at `vendor` (required when it is linked to several vendors); `customerId` in the answer is the id asked about.
         */
        post: operations["refreshEntitlements"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/customers/{customerId}/links": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An app customer's vendor accounts
         * @description The vendor accounts an app customer id is linked to: static links from configuration (`CUSTOMER_LINKS`, a tenant's `customers`) and dynamic ones set with PUT, combined per vendor (dynamic wins). List, check and batch without `vendor` on a linked customer answer for every linked vendor at once (merged); with `vendor` for that vendor's linked account alone.
         */
        get: operations["getCustomerLinks"];
        /**
         * Set an app customer's vendor accounts
         * @description Replaces the app customer's dynamic links (vendors left out lose their dynamic link; static links stay). Each vendor must be connected to the tenant and each id well-formed for its vendor (a malformed id is a 400 naming the vendor). Stored in Redis, without expiry; without `REDIS_URL` the answer is 501 `links_store_not_configured`.
         */
        put: operations["putCustomerLinks"];
        post?: never;
        /**
         * Remove an app customer's dynamic links
         * @description Removes every dynamic link of the app customer (idempotent: 204 whether or not it had any). Static links come from configuration and stay.
         */
        delete: operations["deleteCustomerLinks"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{vendor}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Receive a vendor event
         * @description Verifies the sender (Zenskar: HMAC-SHA256 of the body with the shared secret; Paygentic: Svix signature with a 5-minute timestamp tolerance; Chargebee: HTTP Basic credentials; Stripe: Stripe-Signature HMAC-SHA256 of "<t>.<body>" with a 5-minute timestamp tolerance), drops duplicate event ids, and invalidates the cached entitlements of the customers the event concerns. Events that change many customers at once (catalogue edits, impacted subscriptions only given as a download) drop the vendor catalogue and mark every cached customer of that vendor outdated: each reloads on its next read, served stale meanwhile. Authenticated by the vendor signature, not by a gateway key. Answers 503 with `Retry-After` when the invalidation could not reach the shared cache, so the vendor redelivers.
         */
        post: operations["receiveWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Balance: {
            activeFrom: string | null;
            contract: {
                id: string | null;
                name: string | null;
            } | null;
            createdAt: string | null;
            customer: {
                email: string | null;
                id: string | null;
                name: string | null;
            } | null;
            customerId: string | null;
            event: string | null;
            expiresAt: string | null;
            featureId: string | null;
            featureName: string | null;
            id: string;
            invoice: {
                id: string | null;
                name: string | null;
            } | null;
            /** @enum {string} */
            object: "balance";
            product: {
                id: string | null;
                name: string | null;
            } | null;
            quantity: number | null;
            raw?: unknown;
            remaining: number | null;
            usage: number | null;
            vendor: components["schemas"]["VendorId"];
        };
        BalanceList: {
            data: components["schemas"]["Balance"][];
            nextCursor: string | null;
            /** @enum {string} */
            object: "list";
            /** @description Total matches as the vendor reports it; null when it does not. */
            totalCount: number | null;
        };
        BatchCheckError: {
            customerId: string;
            error: {
                code: string;
                detail: string;
                /** @description For `validation_failed`: every invalid field of the item. */
                errors?: {
                    message: string;
                    path: string;
                }[];
                status: number;
                title: string;
            };
            featureKey: string;
            /** @enum {string} */
            object: "entitlement_check_error";
            /** @description Null when the item did not name a vendor that could be resolved. */
            vendor: components["schemas"]["VendorId"] | null;
        };
        BatchCheckItem: {
            /** Format: date-time */
            at?: string;
            customerId: string;
            featureKey: string;
            requestedUsage?: number;
            vendor?: components["schemas"]["VendorId"];
        };
        /**
         * @example {
         *       "checks": [
         *         {
         *           "customerId": "c1",
         *           "vendor": "chargebee",
         *           "featureKey": "user-licenses",
         *           "requestedUsage": 5
         *         }
         *       ]
         *     }
         */
        BatchCheckRequest: {
            checks: components["schemas"]["BatchCheckItem"][];
        };
        BatchCheckResponse: {
            /** @enum {string} */
            object: "batch_check";
            results: (components["schemas"]["CheckResult"] | components["schemas"]["BatchCheckError"])[];
        };
        CheckResult: {
            customerId: string;
            /** @description The entitlement behind the answer; null when the customer has none for the feature. */
            entitlement: components["schemas"]["Entitlement"] | null;
            /** @description Present (and true) only when the vendor failed, nothing was cached, and the answer is the tenant's declared fallback policy (`deny`, `allow` or a static value) instead of vendor data. */
            fallback?: boolean;
            featureKey: string;
            hasAccess: boolean;
            limit: number | null;
            /** @enum {string} */
            object: "entitlement_check";
            /** @description How far `requestedUsage` goes past the remaining balance when a soft limit lets it through. */
            overage: number | null;
            /** @description Merged answers only: true when a linked vendor failed, so its entitlements are missing (`unavailable`) or cached (`stale` with `error`). */
            partial?: boolean;
            reason: components["schemas"]["DenialReason"] | null;
            remaining: number | null;
            requestedUsage: number | null;
            /** @description For metered features checked with `requestedUsage`: whether the vendor lets usage run past the balance. */
            softLimit: boolean | null;
            /** @description Null when the customer has no entitlement to the feature. */
            type: components["schemas"]["EntitlementType"] | null;
            unlimited: boolean;
            usage: number | null;
            value: string | number | boolean | null;
            /** @description The vendor that answered; null on a merged answer that several vendors contribute to. */
            vendor: components["schemas"]["VendorId"] | null;
            /** @description Merged answers only: each linked vendor and how it was read, in vendor order. */
            vendors?: components["schemas"]["VendorStatus"][];
            vendorStatus?: components["schemas"]["FallbackVendorStatus"];
        };
        /**
         * @example {
         *       "object": "customer_links",
         *       "customerId": "acme",
         *       "links": {
         *         "chargebee": "cb_4711",
         *         "paygentic": "cus_a1b2c3"
         *       },
         *       "origins": {
         *         "chargebee": "static",
         *         "paygentic": "dynamic"
         *       }
         *     }
         */
        CustomerLinks: {
            /**
             * @description The app customer id.
             * @example acme
             */
            customerId: string;
            /**
             * @example {
             *       "chargebee": "cb_4711",
             *       "paygentic": "cus_a1b2c3"
             *     }
             */
            links: {
                [key: string]: string;
            };
            /** @enum {string} */
            object: "customer_links";
            /**
             * @description Where each link comes from: `static` (configuration: `CUSTOMER_LINKS`, a tenant's `customers`) or `dynamic` (this API, kept in Redis). DELETE removes dynamic links only.
             * @example {
             *       "chargebee": "static",
             *       "paygentic": "dynamic"
             *     }
             */
            origins: {
                [key: string]: "static" | "dynamic";
            };
        };
        /** @enum {string} */
        DenialReason: "not_entitled" | "inactive" | "expired" | "disabled" | "limit_exceeded";
        /**
         * @example {
         *       "object": "entitlement",
         *       "vendor": "chargebee",
         *       "customerId": "c1",
         *       "featureKey": "user-licenses",
         *       "featureName": "User Licenses",
         *       "type": "numeric",
         *       "hasAccess": true,
         *       "reason": null,
         *       "unlimited": false,
         *       "limit": 13,
         *       "usage": null,
         *       "remaining": 13,
         *       "value": "13",
         *       "config": null,
         *       "unit": "licence",
         *       "activeFrom": null,
         *       "activeTo": null,
         *       "grants": [
         *         {
         *           "source": "subscription",
         *           "sourceId": "s1",
         *           "vendorId": null,
         *           "hasAccess": true,
         *           "limit": 3,
         *           "usage": null,
         *           "value": "3",
         *           "status": "active",
         *           "activeFrom": null,
         *           "activeTo": null
         *         },
         *         {
         *           "source": "subscription",
         *           "sourceId": "s2",
         *           "vendorId": null,
         *           "hasAccess": true,
         *           "limit": 10,
         *           "usage": null,
         *           "value": "10",
         *           "status": "active",
         *           "activeFrom": null,
         *           "activeTo": null
         *         }
         *       ]
         *     }
         */
        Entitlement: {
            /** Format: date-time */
            activeFrom: string | null;
            /** Format: date-time */
            activeTo: string | null;
            config: {
                [key: string]: unknown;
            } | null;
            customerId: string;
            /** @example user-licenses */
            featureKey: string;
            /** @example User Licenses */
            featureName: string | null;
            grants: components["schemas"]["Grant"][];
            hasAccess: boolean;
            /** @description The granted quantity; null when unlimited or not a quantity. */
            limit: number | null;
            /** @enum {string} */
            object: "entitlement";
            /** @description The vendor rows behind this entitlement, only with `include=raw`. */
            raw?: unknown[];
            reason: components["schemas"]["DenialReason"] | null;
            /** @description `limit - usage` (or the vendor balance); null when unlimited or unknown. */
            remaining: number | null;
            /** @description The vendor features behind this entitlement (one per vendor), in precedence order. Set on answers built through customer links or the feature catalogue. */
            sources?: components["schemas"]["EntitlementSource"][];
            type: components["schemas"]["EntitlementType"];
            unit: string | null;
            unlimited: boolean;
            /** @description Usage the vendor reports, when it reports any. */
            usage: number | null;
            /** @description The effective value (a level for enums, the vendor value string otherwise). */
            value: string | number | boolean | null;
            /** @description The vendor behind this entitlement; null on a merged entitlement that several vendors contribute to (see `sources`). */
            vendor: components["schemas"]["VendorId"] | null;
        };
        EntitlementList: {
            data: components["schemas"]["Entitlement"][];
            /** @description Pass as `cursor` to get the next page; null on the last page. */
            nextCursor: string | null;
            /** @enum {string} */
            object: "list";
            /** @description Merged answers only: true when a linked vendor failed, so its entitlements are missing (`unavailable`) or cached (`stale` with `error`). */
            partial?: boolean;
            /** @description How many entitlements match the filters, across all pages. */
            totalCount: number;
            /** @description Merged answers only: each linked vendor and how it was read, in vendor order. */
            vendors?: components["schemas"]["VendorStatus"][];
        };
        EntitlementSource: {
            /**
             * @description The customer's id at that vendor.
             * @example cb_4711
             */
            customerId: string;
            /**
             * @description The vendor's own feature key.
             * @example user-licenses
             */
            featureKey: string;
            vendor: components["schemas"]["VendorId"];
        };
        /**
         * @description `boolean`: on/off. `numeric`: a quantity limit that is not metered by the vendor. `metered`: a balance the vendor decrements with usage. `enum`: one level out of a list. `config`: a free-form configuration object.
         * @enum {string}
         */
        EntitlementType: "boolean" | "numeric" | "metered" | "enum" | "config";
        /**
         * @description With `fallback`: the vendor that failed and the problem it would have answered.
         * @example {
         *       "vendor": "chargebee",
         *       "status": "unavailable",
         *       "error": {
         *         "status": 503,
         *         "code": "vendor_unavailable",
         *         "title": "Vendor unavailable",
         *         "detail": "chargebee answered 503 Service Unavailable."
         *       }
         *     }
         */
        FallbackVendorStatus: {
            /** @description The problem the check would have answered without a fallback policy. */
            error: {
                code: string;
                detail: string;
                status: number;
                title: string;
            };
            /**
             * @description The vendor failed and the gateway held no cached or stale snapshot of the customer.
             * @enum {string}
             */
            status: "unavailable";
            vendor: components["schemas"]["VendorId"];
        };
        Grant: {
            /** Format: date-time */
            activeFrom: string | null;
            /** Format: date-time */
            activeTo: string | null;
            hasAccess: boolean;
            limit: number | null;
            /**
             * @description What kind of vendor record granted this: `subscription`, `customer`, `grant`, `billable`, `rollover`, `adjustment`, `product_entitlement`, …
             * @example subscription
             */
            source: string;
            /**
             * @description The vendor id of that source record.
             * @example s2
             */
            sourceId: string | null;
            status: string | null;
            usage: number | null;
            value: string | number | boolean | null;
            vendor?: components["schemas"]["VendorId"] & unknown;
            /** @description The vendor id of the row itself, if it has one. */
            vendorId: string | null;
        };
        Health: {
            /** @enum {string} */
            status: "ok";
        };
        Problem: {
            /** @example invalid_cursor */
            code: string;
            detail: string;
            errors?: components["schemas"]["ProblemFieldError"][];
            requestId: string;
            status: number;
            title: string;
            /** @example https://entitlements-gateway.dev/problems/invalid-cursor */
            type: string;
            vendor?: components["schemas"]["VendorId"];
        };
        ProblemFieldError: {
            /** @example Too big: expected number to be <=100 */
            message: string;
            /** @example query.limit */
            path: string;
        };
        /**
         * @example {
         *       "links": {
         *         "chargebee": "cb_4711",
         *         "paygentic": "cus_a1b2c3"
         *       }
         *     }
         */
        PutCustomerLinksRequest: {
            /**
             * @description Vendor → the customer's id at that vendor. Each id is checked against its vendor's id format.
             * @example {
             *       "chargebee": "cb_4711",
             *       "paygentic": "cus_a1b2c3"
             *     }
             */
            links: {
                [key: string]: string;
            };
        };
        Readiness: {
            /**
             * @example {
             *       "config": "ok",
             *       "redis": "up"
             *     }
             */
            checks: {
                [key: string]: string;
            };
            /** @enum {string} */
            mode: "configured" | "sandbox";
            /** @enum {string} */
            status: "ready" | "not_ready";
        };
        RefreshResult: {
            customerId: string;
            entitlementCount: number;
            /** Format: date-time */
            fetchedAt: string;
            /** @enum {string} */
            object: "entitlement_refresh";
            vendor: components["schemas"]["VendorId"];
        };
        /** @enum {string} */
        VendorId: "zenskar" | "paygentic" | "chargebee" | "stripe";
        /**
         * @example {
         *       "vendor": "paygentic",
         *       "customerId": "cus_demoAcme",
         *       "status": "unavailable",
         *       "error": {
         *         "status": 503,
         *         "code": "vendor_unavailable",
         *         "title": "Vendor unavailable",
         *         "detail": "paygentic answered 503 Service Unavailable."
         *       }
         *     }
         */
        VendorStatus: {
            /** @description The customer's id at this vendor (from the link). */
            customerId: string;
            /** @description Why the vendor could not be read now (the problem it would have answered alone). */
            error?: {
                code: string;
                detail: string;
                status: number;
                title: string;
            };
            /**
             * @description `fresh`: data within its cache TTL (or just loaded). `stale`: cached data past its TTL (being refreshed; with `error` when the refresh failed). `unavailable`: the vendor failed and nothing was cached; its entitlements are missing from the answer.
             * @enum {string}
             */
            status: "fresh" | "stale" | "unavailable";
            vendor: components["schemas"]["VendorId"];
        };
        WebhookReceipt: {
            catalogInvalidated: boolean;
            /** @description The event id was already processed; nothing was done again. */
            duplicate: boolean;
            eventId: string;
            eventType: string;
            invalidatedCustomers: number;
            /** @enum {string} */
            object: "webhook_receipt";
            vendor: components["schemas"]["VendorId"];
        };
    };
    responses: {
        /** @description Internal error (`internal_error`): the gateway failed to answer; the request id finds it in the logs. On Cloudflare Workers every request is answered so while the configuration is invalid (the Worker logs name the variable). */
        Error_internal_error: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "https://entitlements-gateway.dev/problems/internal-error",
                 *       "title": "Internal error",
                 *       "status": 500,
                 *       "detail": "Internal error",
                 *       "code": "internal_error",
                 *       "requestId": "01J9Z3M4Q2V7X8Y9Z0A1B2C3D4"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Rate limit exceeded (`rate_limited`): this API key, or its tenant, is over its configured rate; nothing was charged. Retry after `Retry-After` seconds; `RateLimit` says what is left. A batch check costs one unit per item. */
        Error_rate_limited: {
            headers: {
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Retry-After": components["headers"]["RetryAfter"];
                "Server-Timing": components["headers"]["ServerTiming"];
                "X-Request-Id": components["headers"]["XRequestId"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "https://entitlements-gateway.dev/problems/rate-limited",
                 *       "title": "Rate limit exceeded",
                 *       "status": 429,
                 *       "detail": "Rate limit exceeded",
                 *       "code": "rate_limited",
                 *       "requestId": "01J9Z3M4Q2V7X8Y9Z0A1B2C3D4"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: {
        /** @description RFC 9111 Age: seconds since the least fresh snapshot behind the answer was loaded. */
        Age: string;
        /** @description RFC 9211 Cache-Status of the snapshots behind the answer, e.g. `entitlements-gateway; hit; ttl=42; detail=memory` or `entitlements-gateway; fwd=miss; stored`. */
        CacheStatus: string;
        /** @description IETF RateLimit, when the tenant has caller rate limits: per bucket the remaining units `r` after this request and the seconds `t` until the bucket is full again, e.g. `"key";r=19;t=1`. A batch check costs one unit per item. */
        RateLimit: string;
        /** @description IETF RateLimit-Policy (draft-ietf-httpapi-ratelimit-headers-10), when the tenant has caller rate limits: one item per token bucket, `"key"` (this API key) and/or `"tenant"`, with its quota `q` (the burst) and window `w` (seconds an empty bucket takes to refill), e.g. `"key";q=20;w=2, "tenant";q=200;w=4`. */
        RateLimitPolicy: string;
        /** @description Seconds to wait before retrying (RFC 9110), when the gateway knows. */
        RetryAfter: string;
        /** @description W3C Server-Timing: `total` (gateway time), `cache` (what the cache did) and `upstream` (time and number of vendor calls), e.g. `total;dur=1.2, cache;desc="hit"`. */
        ServerTiming: string;
        /** @description The scheme to authenticate with (`Bearer`). */
        WwwAuthenticate: string;
        /** @description Identifies the request in the gateway logs: the caller’s own `X-Request-Id` when it is 1-128 characters of `A-Za-z0-9._:-`, else a new one. Problems repeat it as `requestId`. */
        XRequestId: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    docsPage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The HTML page. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            500: components["responses"]["Error_internal_error"];
        };
    };
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process is up. */
            200: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            500: components["responses"]["Error_internal_error"];
        };
    };
    openApiDocument: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI 3.1 document of the gateway. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        openapi: string;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            500: components["responses"]["Error_internal_error"];
        };
    };
    readiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready. */
            200: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            500: components["responses"]["Error_internal_error"];
            /** @description Not ready: the configuration is unusable, or some tenant has every vendor unreachable with nothing cached. */
            503: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
    listBalances: {
        parameters: {
            query?: {
                /** @description Only balances whose `activeFrom` is equal to this value. */
                "activeFrom[eq]"?: string[];
                /** @description Only balances whose `activeFrom` is greater than this value. */
                "activeFrom[gt]"?: string[];
                /** @description Only balances whose `activeFrom` is at least this value. */
                "activeFrom[gte]"?: string[];
                /** @description Only balances whose `activeFrom` is less than this value. */
                "activeFrom[lt]"?: string[];
                /** @description Only balances whose `activeFrom` is at most this value. */
                "activeFrom[lte]"?: string[];
                /** @description Only balances whose `activeFrom` is not equal to this value. */
                "activeFrom[neq]"?: string[];
                /** @description Only balances granted by these contracts (repeatable). */
                contractId?: string[];
                /** @description Only balances whose `createdAt` is equal to this value. */
                "createdAt[eq]"?: string[];
                /** @description Only balances whose `createdAt` is greater than this value. */
                "createdAt[gt]"?: string[];
                /** @description Only balances whose `createdAt` is at least this value. */
                "createdAt[gte]"?: string[];
                /** @description Only balances whose `createdAt` is less than this value. */
                "createdAt[lt]"?: string[];
                /** @description Only balances whose `createdAt` is at most this value. */
                "createdAt[lte]"?: string[];
                /** @description Only balances whose `createdAt` is not equal to this value. */
                "createdAt[neq]"?: string[];
                cursor?: string;
                /** @description Only these customers (repeatable). */
                customerId?: string[];
                /** @description Only balances whose `expiresAt` is equal to this value. */
                "expiresAt[eq]"?: string[];
                /** @description Only balances whose `expiresAt` is greater than this value. */
                "expiresAt[gt]"?: string[];
                /** @description Only balances whose `expiresAt` is at least this value. */
                "expiresAt[gte]"?: string[];
                /** @description Only balances whose `expiresAt` is less than this value. */
                "expiresAt[lt]"?: string[];
                /** @description Only balances whose `expiresAt` is at most this value. */
                "expiresAt[lte]"?: string[];
                /** @description Only balances whose `expiresAt` is not equal to this value. */
                "expiresAt[neq]"?: string[];
                /** @description Only these features, by the vendor’s feature/entitlement id (repeatable). */
                featureId?: string[];
                /** @description `raw` adds the vendor row behind each balance. */
                include?: "raw";
                limit?: number;
                /** @description Sort direction of `sort` (default `asc`); needs `sort`. */
                order?: "asc" | "desc";
                /** @description Comma list (or repeated) of `customer`, `contract`, `product`, `invoice`, such as `customer,contract`: adds their names (and the customer’s email). */
                populate?: string;
                /** @description Only balances whose `quantity` is equal to this value. */
                "quantity[eq]"?: number[];
                /** @description Only balances whose `quantity` is greater than this value. */
                "quantity[gt]"?: number[];
                /** @description Only balances whose `quantity` is at least this value. */
                "quantity[gte]"?: number[];
                /** @description Only balances whose `quantity` is less than this value. */
                "quantity[lt]"?: number[];
                /** @description Only balances whose `quantity` is at most this value. */
                "quantity[lte]"?: number[];
                /** @description Only balances whose `quantity` is not equal to this value. */
                "quantity[neq]"?: number[];
                /** @description Only balances whose `remaining` is equal to this value. */
                "remaining[eq]"?: number[];
                /** @description Only balances whose `remaining` is greater than this value. */
                "remaining[gt]"?: number[];
                /** @description Only balances whose `remaining` is at least this value. */
                "remaining[gte]"?: number[];
                /** @description Only balances whose `remaining` is less than this value. */
                "remaining[lt]"?: number[];
                /** @description Only balances whose `remaining` is at most this value. */
                "remaining[lte]"?: number[];
                /** @description Only balances whose `remaining` is not equal to this value. */
                "remaining[neq]"?: number[];
                /** @description Free text over feature names and descriptions (as the vendor searches). */
                search?: string;
                /** @description Sort key; the vendor’s default order when absent. */
                sort?: "id" | "createdAt" | "quantity" | "usage" | "activeFrom" | "expiresAt";
                /** @description Only balances whose `usage` is equal to this value. */
                "usage[eq]"?: number[];
                /** @description Only balances whose `usage` is greater than this value. */
                "usage[gt]"?: number[];
                /** @description Only balances whose `usage` is at least this value. */
                "usage[gte]"?: number[];
                /** @description Only balances whose `usage` is less than this value. */
                "usage[lt]"?: number[];
                /** @description Only balances whose `usage` is at most this value. */
                "usage[lte]"?: number[];
                /** @description Only balances whose `usage` is not equal to this value. */
                "usage[neq]"?: number[];
                /** @description Required when the tenant has more than one vendor. */
                vendor?: components["schemas"]["VendorId"] & unknown;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One vendor page of balances. */
            200: {
                headers: {
                    Age: components["headers"]["Age"];
                    "Cache-Status": components["headers"]["CacheStatus"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BalanceList"];
                };
            };
            /** @description `validation_failed`: Request validation failed; `invalid_cursor`: Invalid cursor; `vendor_required`: Vendor required; `vendor_not_configured`: Vendor not configured for this tenant; `unsupported_filter`: Filter not supported by vendor */
            400: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unauthorized`: Unauthorized */
            401: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["Error_rate_limited"];
            500: components["responses"]["Error_internal_error"];
            /** @description `not_supported_by_vendor`: Not supported by vendor */
            501: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `vendor_auth_failed`: Vendor rejected the gateway credentials; `vendor_bad_response`: Vendor sent a malformed response; `vendor_request_rejected`: Vendor rejected the request */
            502: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `vendor_unavailable`: Vendor unavailable; `vendor_rate_limited`: Vendor rate limit reached */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `vendor_timeout`: Vendor timed out */
            504: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    batchCheck: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BatchCheckRequest"];
            };
        };
        responses: {
            /** @description One result per check, in request order. */
            200: {
                headers: {
                    Age: components["headers"]["Age"];
                    "Cache-Status": components["headers"]["CacheStatus"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchCheckResponse"];
                };
            };
            /** @description `validation_failed`: Request validation failed */
            400: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unauthorized`: Unauthorized */
            401: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `payload_too_large`: Payload too large */
            413: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type */
            415: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["Error_rate_limited"];
            500: components["responses"]["Error_internal_error"];
        };
    };
    listEntitlements: {
        parameters: {
            query?: {
                /** @description RFC 3339 instant to evaluate at, such as `2026-01-01T00:00:00Z` (default: now). */
                at?: string;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
                /** @description Only these features (repeatable). */
                featureKey?: string[];
                hasAccess?: "true" | "false";
                /** @description `raw` adds the vendor rows behind each entitlement. */
                include?: "raw";
                limit?: number;
                /** @description `boolean`: on/off. `numeric`: a quantity limit that is not metered by the vendor. `metered`: a balance the vendor decrements with usage. `enum`: one level out of a list. `config`: a free-form configuration object. */
                type?: components["schemas"]["EntitlementType"];
                /** @description Required when the tenant has more than one vendor. */
                vendor?: components["schemas"]["VendorId"] & unknown;
            };
            header?: never;
            path: {
                customerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of entitlements. */
            200: {
                headers: {
                    Age: components["headers"]["Age"];
                    "Cache-Status": components["headers"]["CacheStatus"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EntitlementList"];
                };
            };
            /** @description `validation_failed`: Request validation failed; `vendor_required`: Vendor required; `vendor_not_configured`: Vendor not configured for this tenant; `invalid_cursor`: Invalid cursor */
            400: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unauthorized`: Unauthorized */
            401: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `customer_not_found`: Customer not found */
            404: {
                headers: {
                    Age: components["headers"]["Age"];
                    "Cache-Status": components["headers"]["CacheStatus"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["Error_rate_limited"];
            500: components["responses"]["Error_internal_error"];
            /** @description `vendor_auth_failed`: Vendor rejected the gateway credentials; `vendor_bad_response`: Vendor sent a malformed response; `vendor_request_rejected`: Vendor rejected the request */
            502: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `vendor_unavailable`: Vendor unavailable; `vendor_rate_limited`: Vendor rate limit reached */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `vendor_timeout`: Vendor timed out */
            504: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    checkEntitlement: {
        parameters: {
            query?: {
                /** @description RFC 3339 instant to evaluate at, such as `2026-01-01T00:00:00Z` (default: now). */
                at?: string;
                /** @description How much the caller is about to use, such as `5`. */
                requestedUsage?: number;
                vendor?: components["schemas"]["VendorId"];
            };
            header?: never;
            path: {
                customerId: string;
                featureKey: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The check result. */
            200: {
                headers: {
                    Age: components["headers"]["Age"];
                    "Cache-Status": components["headers"]["CacheStatus"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CheckResult"];
                };
            };
            /** @description `validation_failed`: Request validation failed; `vendor_required`: Vendor required; `vendor_not_configured`: Vendor not configured for this tenant */
            400: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unauthorized`: Unauthorized */
            401: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `customer_not_found`: Customer not found */
            404: {
                headers: {
                    Age: components["headers"]["Age"];
                    "Cache-Status": components["headers"]["CacheStatus"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["Error_rate_limited"];
            500: components["responses"]["Error_internal_error"];
            /** @description `vendor_auth_failed`: Vendor rejected the gateway credentials; `vendor_bad_response`: Vendor sent a malformed response; `vendor_request_rejected`: Vendor rejected the request */
            502: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `vendor_unavailable`: Vendor unavailable; `vendor_rate_limited`: Vendor rate limit reached */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `vendor_timeout`: Vendor timed out */
            504: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    refreshEntitlements: {
        parameters: {
            query?: {
                vendor?: components["schemas"]["VendorId"];
            };
            header?: never;
            path: {
                customerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Reloaded. */
            200: {
                headers: {
                    Age: components["headers"]["Age"];
                    "Cache-Status": components["headers"]["CacheStatus"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RefreshResult"];
                };
            };
            /** @description `validation_failed`: Request validation failed; `vendor_required`: Vendor required; `vendor_not_configured`: Vendor not configured for this tenant */
            400: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unauthorized`: Unauthorized */
            401: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `customer_not_found`: Customer not found */
            404: {
                headers: {
                    Age: components["headers"]["Age"];
                    "Cache-Status": components["headers"]["CacheStatus"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["Error_rate_limited"];
            500: components["responses"]["Error_internal_error"];
            /** @description `vendor_auth_failed`: Vendor rejected the gateway credentials; `vendor_bad_response`: Vendor sent a malformed response; `vendor_request_rejected`: Vendor rejected the request */
            502: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `vendor_unavailable`: Vendor unavailable; `vendor_rate_limited`: Vendor rate limit reached; `cache_unavailable`: Shared cache unavailable */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `vendor_timeout`: Vendor timed out */
            504: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getCustomerLinks: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                customerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The links. */
            200: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CustomerLinks"];
                };
            };
            /** @description `validation_failed`: Request validation failed */
            400: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unauthorized`: Unauthorized */
            401: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `not_found`: Not found */
            404: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["Error_rate_limited"];
            500: components["responses"]["Error_internal_error"];
            /** @description `links_store_unavailable`: Customer links store unavailable */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    putCustomerLinks: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                customerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PutCustomerLinksRequest"];
            };
        };
        responses: {
            /** @description The links now in effect (static and dynamic combined). */
            200: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CustomerLinks"];
                };
            };
            /** @description `validation_failed`: Request validation failed; `vendor_not_configured`: Vendor not configured for this tenant */
            400: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unauthorized`: Unauthorized */
            401: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `payload_too_large`: Payload too large */
            413: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type */
            415: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["Error_rate_limited"];
            500: components["responses"]["Error_internal_error"];
            /** @description `links_store_not_configured`: Customer links store not configured */
            501: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `links_store_unavailable`: Customer links store unavailable */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteCustomerLinks: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                customerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            204: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `validation_failed`: Request validation failed */
            400: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unauthorized`: Unauthorized */
            401: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["Error_rate_limited"];
            500: components["responses"]["Error_internal_error"];
            /** @description `links_store_not_configured`: Customer links store not configured */
            501: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `links_store_unavailable`: Customer links store unavailable */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    receiveWebhook: {
        parameters: {
            query?: {
                /** @description Multi-tenant deployments: the tenant the endpoint belongs to. Without it, each tenant configured for this vendor is tried. */
                tenant?: string;
            };
            header?: never;
            path: {
                vendor: components["schemas"]["VendorId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Verified and processed (or a duplicate, ignored). */
            200: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookReceipt"];
                };
            };
            /** @description `invalid_webhook`: Malformed webhook; `validation_failed`: Request validation failed */
            400: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `webhook_verification_failed`: Webhook verification failed */
            401: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `payload_too_large`: Payload too large */
            413: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            500: components["responses"]["Error_internal_error"];
            /** @description `vendor_unavailable`: Vendor unavailable; `cache_unavailable`: Shared cache unavailable */
            503: {
                headers: {
                    "Retry-After": components["headers"]["RetryAfter"];
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `vendor_timeout`: Vendor timed out */
            504: {
                headers: {
                    "Server-Timing": components["headers"]["ServerTiming"];
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
