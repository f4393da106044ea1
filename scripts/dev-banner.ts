/**
 * `npm run dev` prints this first (as `predev`): in sandbox mode (no vendor configured in the
 * environment or `.dev.vars`), the sandbox API key and requests to try against wrangler dev, like
 * `npm start` does. The Worker itself cannot print it: it has no start-up moment of its own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { sandboxBanner } from '../src/sandbox/sandbox';

const vendorVariable = /^(ZENSKAR_API_KEY|PAYGENTIC_API_KEY|CHARGEBEE_API_KEY|GATEWAY_CONFIG)=\s*\S/m;
const devVars = existsSync('.dev.vars') ? readFileSync('.dev.vars', 'utf8') : '';
const configured =
  vendorVariable.test(devVars) ||
  ['ZENSKAR_API_KEY', 'PAYGENTIC_API_KEY', 'CHARGEBEE_API_KEY', 'GATEWAY_CONFIG'].some(
    (name) => process.env[name],
  );
if (!configured) {
  const key = /^GATEWAY_API_KEYS=\s*([^,\s]+)/m.exec(devVars)?.[1];
  console.log(sandboxBanner('http://127.0.0.1:8787', key));
}
