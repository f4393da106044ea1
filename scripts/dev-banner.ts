/**
 * `npm run dev` prints this first (as `predev`): in sandbox mode (no vendor configured in the
 * environment or `.dev.vars`), the sandbox API key and requests to try against wrangler dev, like
 * `npm start` does. The Worker itself cannot print it: it has no start-up moment of its own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { vendorModule } from '../adapters/registry';
import { vendorIds } from '../schemas/entitlement';
import { sandboxBanner } from '../src/sandbox/sandbox';

/** Any of these set means a vendor is configured (so the gateway is not in sandbox mode). */
const configuringVariables = [
  ...vendorIds.flatMap((vendor) => vendorModule(vendor).config.credentialVariables),
  'GATEWAY_CONFIG',
];
const devVars = existsSync('.dev.vars') ? readFileSync('.dev.vars', 'utf8') : '';
const setInDevVars = (name: string) => new RegExp(`^${name}=\\s*\\S`, 'm').test(devVars);
const configured = configuringVariables.some((name) => setInDevVars(name) || process.env[name]);
if (!configured) {
  const key = /^GATEWAY_API_KEYS=\s*([^,\s]+)/m.exec(devVars)?.[1];
  console.log(sandboxBanner('http://127.0.0.1:8787', key));
}
