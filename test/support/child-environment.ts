import { vendorModule } from '../../adapters/registry';
import { vendorIds } from '../../schemas/entitlement';

/** Gateway variables every child gateway process starts without (the test sets what it needs). */
const gatewayVariables = [
  'GATEWAY_',
  'CURSOR_SECRET$',
  'REDIS_URL$',
  'CACHE_',
  'PORT$',
  'HOST$',
  'LOG_LEVEL$',
  'UPSTREAM_',
  'VENDOR_',
];

/**
 * The developer's or CI's environment for a child gateway process, without the variables that would
 * change the gateway's configuration: the gateway's own, every registry vendor's (`<PREFIX>_…`), and
 * `extra` (regular expression sources anchored at the start of the name, e.g. `METRICS_`).
 */
export function environmentWithoutConfiguration(extra: readonly string[] = []): NodeJS.ProcessEnv {
  const vendorPrefixes = vendorIds.map((vendor) => `${vendorModule(vendor).config.envPrefix}_`);
  const configuration = new RegExp(`^(${[...gatewayVariables, ...vendorPrefixes, ...extra].join('|')})`);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!configuration.test(name)) env[name] = value;
  return env;
}
