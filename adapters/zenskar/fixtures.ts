/**
 * Zenskar demo data: the sandbox's seeded customers and a deterministic generator of big customers
 * for crawl tests and benchmarks. Records are kept in the vendor's own (snake_case) shape; the
 * simulator renders them into API responses.
 */

/** Entitlement kinds of a Zenskar definition (Zenskar's API reference). */
export type ZenskarEntitlementType = 'Feature' | 'Quantity' | 'Credits';
/** What created a customer entitlement row (the `SourceType` enum of Zenskar's customer entitlement API). */
export type ZenskarSourceType = 'Grant' | 'Billable' | 'Rollover' | 'Adjustment';
/** Status of a customer entitlement row (the `EntitlementCustomerStatus` enum of Zenskar's customer entitlement API). */
export type ZenskarRowStatus = 'draft' | 'active' | 'expired' | 'voided';

/** An entitlement definition as `GET /entitlements/{entitlement_id}` describes it. */
export interface ZenskarEntitlementDefinition {
  id: string;
  name: string;
  description: string | null;
  entitlement_type: ZenskarEntitlementType;
  units: string | null;
}

/** A contract, product or invoice a row points at; `name` is what `populate` adds. */
export interface ZenskarReference {
  id: string;
  name: string;
}

/** A customer as `populate=customer` shows it. */
export interface ZenskarCustomerRecord {
  id: string;
  name: string;
  email: string | null;
}

/**
 * One customer entitlement row as the vendor stores it. `name`, `units` and `type` are rendered from
 * the definition, and `contract_id`/`invoice_id` from the references, as the vendor's API does.
 */
export interface ZenskarStoredRow {
  id: string;
  /** The entitlement definition id. */
  entitlement: string;
  /** The customer id. */
  customer: string;
  source_type: ZenskarSourceType | null;
  source_id: string | null;
  contract: ZenskarReference | null;
  product: ZenskarReference | null;
  invoice: ZenskarReference | null;
  active_from: string | null;
  expiry_at: string | null;
  quantity: number | null;
  quantity_used: number | null;
  /**
   * Set only when the vendor's own remaining differs from `quantity - quantity_used`, or is
   * explicitly null (not reported); computed by the simulator when left out.
   */
  quantity_remaining?: number | null;
  created_at: string;
  /** What created the row, e.g. `Invoice`, `Manual`. */
  event: string | null;
  /** Null mimics the balances example, which carries no status. */
  status: ZenskarRowStatus | null;
}

/** A seeded customer with its rows. */
export interface ZenskarDemoCustomer extends ZenskarCustomerRecord {
  rows: ZenskarStoredRow[];
}

/** Everything a simulator store is seeded with. */
export interface ZenskarFixtureSet {
  definitions: ZenskarEntitlementDefinition[];
  customers: ZenskarDemoCustomer[];
}

/**
 * The sandbox's Zenskar credentials, used both by the simulator (what it accepts) and by the
 * sandbox wiring (what the adapter sends). They only ever unlock the built-in demo data.
 */
export const zenskarSandboxCredentials = {
  apiKey: 'zenskar_sandbox_demo_api_key',
  organisation: '0f6c2b1e-5d3a-4c8e-9b7a-2e4d6f8a1c3b',
} as const;

/**
 * A deterministic UUID (version-4 layout) derived from `parts`, so generated data is identical on
 * every run and every machine. FNV-1a with four seeds is plenty for fixture ids.
 */
export function zenskarFixtureUuid(...parts: Array<string | number>): string {
  const text = parts.join('\u0000');
  const words = [0x811c9dc5, 0x01000193, 0x2545f491, 0x9e3779b9].map((seed) => {
    let hash = seed >>> 0;
    for (let index = 0; index < text.length; index += 1) {
      hash ^= text.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash.toString(16).padStart(8, '0');
  });
  const hex = words.join('');
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// Definitions and customers have readable fixed ids so that the sandbox's curl examples stay short.
const definition = (suffix: string) => `e0000000-0000-4000-8000-0000000000${suffix}`;
const customerId = (suffix: string) => `c0000000-0000-4000-8000-0000000000${suffix}`;

/** The demo catalogue of entitlement definitions. */
export const zenskarDemoDefinitions: ZenskarEntitlementDefinition[] = [
  {
    id: definition('01'),
    name: 'Single sign-on',
    description: 'SAML/OIDC single sign-on',
    entitlement_type: 'Feature',
    units: null,
  },
  {
    id: definition('02'),
    name: 'API calls',
    description: 'Monthly API request allowance',
    entitlement_type: 'Quantity',
    units: 'calls',
  },
  {
    id: definition('03'),
    name: 'AI credits',
    description: 'Prepaid credits for AI features',
    entitlement_type: 'Credits',
    units: 'credits',
  },
  {
    id: definition('04'),
    name: 'Seats',
    description: 'Named user seats',
    entitlement_type: 'Quantity',
    units: 'seats',
  },
  {
    id: definition('05'),
    name: 'Audit log',
    description: 'Exportable audit trail',
    entitlement_type: 'Feature',
    units: null,
  },
  {
    id: definition('06'),
    name: 'Priority support',
    description: 'Four-hour support response',
    entitlement_type: 'Feature',
    units: null,
  },
  {
    id: definition('07'),
    name: 'Data export',
    description: 'Bulk warehouse export',
    entitlement_type: 'Feature',
    units: null,
  },
  {
    id: definition('08'),
    name: 'Storage',
    description: 'Object storage allowance',
    entitlement_type: 'Quantity',
    units: 'GB',
  },
  {
    id: definition('09'),
    name: 'Webhook endpoints',
    description: 'Outbound webhook endpoints',
    entitlement_type: 'Quantity',
    units: 'endpoints',
  },
];

const acmeContract: ZenskarReference = {
  id: 'a1000000-0000-4000-8000-000000000001',
  name: 'Acme Enterprise 2024',
};
const globexContract: ZenskarReference = {
  id: 'a1000000-0000-4000-8000-000000000002',
  name: 'Globex Growth',
};
const platformProduct: ZenskarReference = { id: 'b1000000-0000-4000-8000-000000000001', name: 'Platform' };
const aiProduct: ZenskarReference = { id: 'b1000000-0000-4000-8000-000000000002', name: 'AI add-on' };
const acmeInvoice: ZenskarReference = { id: 'd1000000-0000-4000-8000-000000000001', name: 'INV-2024-0042' };

/** Window bounds used by the demo data: far enough out that the demo stays true for decades. */
const SINCE_2024 = '2024-01-01T00:00:00Z';
const UNTIL_2099 = '2099-12-31T23:59:59Z';
const ENDED_2025 = '2025-06-30T00:00:00Z';
const STARTS_2099 = '2099-01-01T00:00:00Z';

function row(
  owner: string,
  index: number,
  entitlement: string,
  fields: Partial<Omit<ZenskarStoredRow, 'id' | 'customer' | 'entitlement'>>,
): ZenskarStoredRow {
  return {
    id: zenskarFixtureUuid('row', owner, index),
    entitlement,
    customer: owner,
    source_type: 'Grant',
    source_id: zenskarFixtureUuid('source', owner, index),
    contract: null,
    product: platformProduct,
    invoice: null,
    active_from: SINCE_2024,
    expiry_at: UNTIL_2099,
    quantity: null,
    quantity_used: null,
    created_at: `2024-01-${String(1 + (index % 28)).padStart(2, '0')}T09:00:00Z`,
    event: 'Manual',
    status: 'active',
    ...fields,
  };
}

const ACME = customerId('01');
const GLOBEX = customerId('02');
const INITECH = customerId('03');
const UMBRELLA = customerId('04');

/** Acme: entitled to everything it pays for (boolean, several rows per quantity, credits, a future grant). */
const acme: ZenskarDemoCustomer = {
  id: ACME,
  name: 'Acme Corp',
  email: 'billing@acme.example',
  rows: [
    row(ACME, 1, definition('01'), { active_from: SINCE_2024, expiry_at: null, contract: acmeContract }),
    row(ACME, 2, definition('02'), {
      quantity: 10_000,
      quantity_used: 2_500,
      contract: acmeContract,
      invoice: acmeInvoice,
      event: 'Invoice',
    }),
    row(ACME, 3, definition('02'), { source_type: 'Rollover', quantity: 500, quantity_used: 0 }),
    row(ACME, 4, definition('03'), {
      source_type: 'Billable',
      quantity: 200,
      quantity_used: 50,
      product: aiProduct,
      invoice: acmeInvoice,
      event: 'Invoice',
    }),
    // A manual top-up with no status, like the balances example.
    row(ACME, 5, definition('03'), {
      source_type: 'Adjustment',
      quantity: 100,
      quantity_used: 0,
      status: null,
    }),
    row(ACME, 6, definition('03'), {
      quantity: 1_000,
      quantity_used: 400,
      status: 'expired',
      active_from: '2024-01-01T00:00:00Z',
      expiry_at: ENDED_2025,
    }),
    row(ACME, 7, definition('04'), { quantity: 25, quantity_used: 20, quantity_remaining: 5 }),
    // Not reporting remaining: the gateway falls back to limit - usage for the whole entitlement.
    row(ACME, 8, definition('04'), {
      source_type: 'Adjustment',
      quantity: 5,
      quantity_used: 0,
      quantity_remaining: null,
    }),
    row(ACME, 9, definition('05'), { active_from: STARTS_2099, expiry_at: null }),
  ],
};

/** Globex: every way of being denied. */
const globex: ZenskarDemoCustomer = {
  id: GLOBEX,
  name: 'Globex Corporation',
  email: 'finance@globex.example',
  rows: [
    row(GLOBEX, 1, definition('06'), { status: 'draft', contract: globexContract }),
    row(GLOBEX, 2, definition('07'), { status: 'voided' }),
    row(GLOBEX, 3, definition('08'), {
      quantity: 100,
      quantity_used: 10,
      status: 'expired',
      expiry_at: ENDED_2025,
    }),
    // Still `active` at the vendor, but its window has ended.
    row(GLOBEX, 4, definition('02'), { quantity: 5_000, quantity_used: 100, expiry_at: ENDED_2025 }),
    row(GLOBEX, 5, definition('03'), {
      source_type: 'Billable',
      quantity: 100,
      quantity_used: 100,
      product: aiProduct,
      contract: globexContract,
    }),
    row(GLOBEX, 6, definition('09'), { quantity: 10, quantity_used: 0, status: 'voided' }),
    row(GLOBEX, 7, definition('09'), { quantity: 20, quantity_used: 0, status: 'draft' }),
    row(GLOBEX, 8, definition('01'), { status: 'expired', expiry_at: ENDED_2025 }),
    row(GLOBEX, 9, definition('01'), { status: 'voided' }),
  ],
};

/** Umbrella: a customer Zenskar knows, with no entitlements at all. */
const umbrella: ZenskarDemoCustomer = {
  id: UMBRELLA,
  name: 'Umbrella Ltd',
  email: null,
  rows: [],
};

/** Options of {@link generateZenskarCustomer}. */
export interface GenerateZenskarCustomerOptions {
  /** Rows per feature (several grants behind one entitlement). Default 1. */
  rowsPerFeature?: number;
  /** Customer name. Default `Generated <first 8 chars of the id>`. */
  name?: string;
  /** First `created_at`; rows follow one minute apart. Default 2024-01-01T00:00:00Z. */
  createdFrom?: string;
}

/** A generated customer and the definitions its rows point at. */
export interface GeneratedZenskarCustomer {
  customer: ZenskarDemoCustomer;
  definitions: ZenskarEntitlementDefinition[];
}

const generatedTypes: ZenskarEntitlementType[] = ['Feature', 'Quantity', 'Credits'];
const generatedSources: ZenskarSourceType[] = ['Grant', 'Billable', 'Rollover', 'Adjustment'];

/**
 * A deterministic customer with `featureCount` definitions and `rowsPerFeature` rows each (most
 * active and in window; every 7th draft, every 11th expired, every 13th voided), for crawl tests and
 * benchmarks. The same arguments always give the same data.
 */
export function generateZenskarCustomer(
  customerUuid: string,
  featureCount: number,
  options: GenerateZenskarCustomerOptions = {},
): GeneratedZenskarCustomer {
  const rowsPerFeature = options.rowsPerFeature ?? 1;
  const createdFrom = Date.parse(options.createdFrom ?? '2024-01-01T00:00:00Z');
  const definitions: ZenskarEntitlementDefinition[] = [];
  const rows: ZenskarStoredRow[] = [];
  for (let feature = 0; feature < featureCount; feature += 1) {
    const type = generatedTypes[feature % generatedTypes.length] ?? 'Feature';
    const id = zenskarFixtureUuid('definition', customerUuid, feature);
    definitions.push({
      id,
      name: `Generated feature ${feature + 1}`,
      description: `Generated ${type.toLowerCase()} entitlement #${feature + 1}`,
      entitlement_type: type,
      units: type === 'Feature' ? null : type === 'Credits' ? 'credits' : 'units',
    });
    for (let grant = 0; grant < rowsPerFeature; grant += 1) {
      const index = feature * rowsPerFeature + grant;
      const status: ZenskarRowStatus =
        index % 13 === 12 ? 'voided' : index % 11 === 10 ? 'expired' : index % 7 === 6 ? 'draft' : 'active';
      const quantity = type === 'Feature' ? null : 100 + ((index * 37) % 900);
      rows.push({
        id: zenskarFixtureUuid('generated-row', customerUuid, index),
        entitlement: id,
        customer: customerUuid,
        source_type: generatedSources[index % generatedSources.length] ?? 'Grant',
        source_id: zenskarFixtureUuid('generated-source', customerUuid, index),
        contract: null,
        product: null,
        invoice: null,
        active_from: SINCE_2024,
        expiry_at: status === 'expired' ? ENDED_2025 : UNTIL_2099,
        quantity,
        quantity_used: quantity === null ? null : (index * 13) % quantity,
        created_at: new Date(createdFrom + index * 60_000).toISOString(),
        event: index % 2 === 0 ? 'Invoice' : 'Manual',
        status,
      });
    }
  }
  return {
    customer: {
      id: customerUuid,
      name: options.name ?? `Generated ${customerUuid.slice(0, 8)}`,
      email: null,
      rows,
    },
    definitions,
  };
}

/** Initech: 18 features with 24 rows each (432 rows), which is five pages at Zenskar's maximum of 100. */
const initech = generateZenskarCustomer(INITECH, 18, { rowsPerFeature: 24, name: 'Initech' });

/** Every entitlement definition the demo customers point at. */
export const zenskarDemoCatalog: ZenskarEntitlementDefinition[] = [
  ...zenskarDemoDefinitions,
  ...initech.definitions,
];

/**
 * The sandbox's Zenskar customers: Acme (access everywhere, several rows per feature), Globex (every
 * denial reason), Initech (432 rows over many pages) and Umbrella (known, no entitlements).
 */
export const zenskarDemoCustomers: ZenskarDemoCustomer[] = [acme, globex, initech.customer, umbrella];

/** The demo customers' ids by name, for tests and the sandbox's curl examples. */
export const zenskarDemoCustomerIds = {
  acme: ACME,
  globex: GLOBEX,
  initech: INITECH,
  umbrella: UMBRELLA,
} as const;

/** The demo definitions' ids by name. */
export const zenskarDemoDefinitionIds = {
  sso: definition('01'),
  apiCalls: definition('02'),
  aiCredits: definition('03'),
  seats: definition('04'),
  auditLog: definition('05'),
  prioritySupport: definition('06'),
  dataExport: definition('07'),
  storage: definition('08'),
  webhookEndpoints: definition('09'),
} as const;

/** The whole demo seed (catalogue + customers) as the simulator takes it. */
export function zenskarDemoFixtures(): ZenskarFixtureSet {
  return structuredClone({ definitions: zenskarDemoCatalog, customers: zenskarDemoCustomers });
}
