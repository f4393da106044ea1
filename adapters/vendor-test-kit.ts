import type { EntitlementType, VendorId } from '../schemas/entitlement';
import type { ConnectionOf, SimulatorOf, SimulatorOptionsOf, VendorModule, WebhookSecretsOf } from './kit';

/**
 * What the shared test suites need to know about a vendor beyond its module: how to give it an account
 * of its own, how its credentials and secrets travel, how to break it, how to sign its webhooks and
 * how to tell one account's data from another's. Each vendor folder exports one, as `testKit` from
 * `test-kit.ts`; `test/support/vendor-test-kits.ts` loads the kit of every vendor in the registry by
 * that convention, so the shared suites (fault matrix, tenant isolation, route fuzz, property suites)
 * cover a new vendor without an edit.
 *
 * Test-only: the gateway never imports it (it stays out of the Worker bundle). Everything here is
 * written from the vendor's documentation, independently of the adapter and the verifier it tests.
 */
export interface VendorTestKit<M extends { readonly id: VendorId } = VendorModule> {
  readonly id: M['id'];

  /**
   * The connection a simulator made with `options` accepts (its credentials, or the sandbox's when
   * `options` name none), for the simulator served at `origin` (`http://127.0.0.1:<port>`).
   */
  connection(origin: string, options?: SimulatorOptionsOf<M>): ConnectionOf<M>;
  /** Simulator options of another account at the vendor: credentials of its own, derived from `label`. */
  account(label: string): SimulatorOptionsOf<M>;
  /** The vendor's variables of a single-tenant gateway with this connection. */
  env(connection: ConnectionOf<M>): Record<string, string>;
  /** The vendor's variables of these webhook settings (single tenant or sandbox). */
  webhookEnv(webhook: WebhookSecretsOf<M>): Record<string, string>;
  /** The request header that carries a connection's credentials, as the vendor receives it. */
  authorization(connection: ConnectionOf<M>): { header: string; value: string };
  /**
   * Every secret of a connection and of webhook settings, with the encoded forms it travels in, named
   * for failure messages. Listed here, not read from the module's `connectionSecrets`: the gateway's
   * own list is part of what the secrets suites test.
   */
  secrets(connection: ConnectionOf<M>, webhook?: WebhookSecretsOf<M>): Array<{ name: string; value: string }>;

  /** Facts of the demo data (`sandbox.customerIds`) the suites build on. */
  readonly data: {
    /** A seeded customer holding two features or more (more than one page at `limit=2`). */
    customerId: string;
    /** Another seeded customer. */
    otherCustomerId: string;
    /** Well-formed ids the demo data does not know. */
    unknownCustomerIds: readonly [string, string];
    /**
     * How the vendor answers for a customer it does not know: `not_found` (the gateway answers 404
     * `customer_not_found`) or `empty` (an empty list, so the gateway cannot tell it from a customer
     * entitled to nothing).
     */
    unknownCustomer: 'not_found' | 'empty';
  };
  /** Prefixes the name (the key where features have no name) of every feature the simulator serves. */
  markFeatures(simulator: SimulatorOf<M>, marker: string): void;
  /** Makes the simulator forget a customer: it then answers for it as for an unknown one. */
  forgetCustomer(simulator: SimulatorOf<M>, customerId: string): void;

  /** How the fault suites break the vendor. */
  readonly faults: {
    /** The vendor request that loads one customer's entitlement rows (where faults are injected). */
    rowsPath: RegExp;
    /** An error body in the vendor's documented shape, for a fault answered with `status`, saying `message`. */
    errorBody(status: number, message: string): string;
  };

  /** The vendor's webhooks, as the vendor sends them. */
  readonly webhook: {
    /** Webhook settings of a tenant (`webhooks.<id>` of `GATEWAY_CONFIG`), secrets derived from `label`. */
    secrets(label: string): WebhookSecretsOf<M>;
    /** The headers the vendor signs `body` with at `nowSeconds` (`id`: the delivery id, where it has one). */
    sign(
      body: string,
      secrets: WebhookSecretsOf<M>,
      delivery: { nowSeconds: number; id: string },
    ): Record<string, string>;
    /** A delivery body (event `eventId`) saying that `customerId`'s entitlements changed. */
    customerChanged(customerId: string, eventId: string, nowSeconds: number): string;
  };
}

/**
 * What a vendor oracle (each test kit's `<vendor>Expected`) says about one feature of a customer,
 * computed from the simulator's store or the vendor's own answer, never from the gateway.
 */
export interface ExpectedFeature {
  type: EntitlementType;
  hasAccess: boolean;
}
