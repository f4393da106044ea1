/**
 * Example: a browser page that lists a customer's entitlements with the typed client, page by page
 * (the client follows `nextCursor`). The gateway must list this page's origin in `CORS_ORIGINS`.
 * Query parameters pre-fill the form and load at once: `?gateway=…&key=…&customer=…&vendor=…`
 * (and `limit=…`, the page size).
 */
import { createGatewayClient, GatewayProblemError, type VendorId } from 'entitlements-gateway/client';

const form = document.querySelector<HTMLFormElement>('#query');
const status = document.querySelector<HTMLElement>('#status');
const rows = document.querySelector<HTMLElement>('#entitlements');

function cell(text: string): HTMLTableCellElement {
  const element = document.createElement('td');
  element.textContent = text;
  return element;
}

async function list(fields: FormData): Promise<void> {
  if (!status || !rows) return;
  const client = createGatewayClient({
    baseUrl: String(fields.get('gateway')),
    apiKey: String(fields.get('key')),
  });
  rows.replaceChildren();
  status.textContent = 'Loading…';
  let count = 0;
  try {
    for await (const entitlement of client.entitlements(String(fields.get('customer')), {
      vendor: String(fields.get('vendor')) as VendorId,
      limit: pageSize,
    })) {
      const row = document.createElement('tr');
      row.dataset.featureKey = entitlement.featureKey;
      row.append(
        cell(entitlement.featureName ?? entitlement.featureKey),
        cell(entitlement.type),
        cell(entitlement.hasAccess ? 'yes' : `no (${entitlement.reason})`),
        cell(entitlement.unlimited ? 'unlimited' : String(entitlement.limit ?? '')),
        cell(String(entitlement.usage ?? '')),
        cell(String(entitlement.remaining ?? '')),
      );
      rows.append(row);
      count += 1;
    }
    status.textContent = `Loaded ${count} entitlements.`;
  } catch (error) {
    status.textContent =
      error instanceof GatewayProblemError
        ? `Failed: ${error.code} (HTTP ${error.status}), request ${error.requestId}`
        : `Failed: ${String(error)}`;
  }
}

const preset = new URLSearchParams(location.search);
/** Entitlements per request (`?limit=`, default 100): the client follows `nextCursor` either way. */
const pageSize = Number(preset.get('limit') ?? 100);

if (form) {
  for (const [name, value] of preset) {
    if (name === 'limit') continue;
    const field = form.elements.namedItem(name);
    if (field instanceof HTMLInputElement || field instanceof HTMLSelectElement) field.value = value;
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void list(new FormData(form));
  });
  if (preset.has('customer')) void list(new FormData(form));
}
