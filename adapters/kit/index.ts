/**
 * The adapter kit: the floor every vendor stands on, and nothing vendor-specific. It imports nothing
 * from `src/`; the gateway and the vendor folders import it.
 */
export type {
  AdapterFactory,
  AdapterFactoryOptions,
  BalancePage,
  CustomerSnapshot,
  LoadContext,
  NormalizedEntitlements,
  RememberFunction,
  VendorAdapter,
  VendorAdapterV1,
  VendorConnectionBase,
  WebhookTargets,
} from './adapter';
export { type Clock, systemClock } from './clock';
export { baseUrlOr, booleanFlag, httpUrl, optionalString, requireAll, tenantBaseUrl } from './env-fields';
export {
  AdapterError,
  type AdapterErrorCode,
  type AdapterErrorOptions,
  adapterErrorStatus,
  codeForVendorStatus,
  type FieldError,
  isVendorNotFound,
  UpstreamError,
  type UpstreamFailure,
  type UpstreamFailureFields,
  upstreamDetail,
  upstreamError,
  upstreamErrorWithDetail,
} from './errors';
export {
  createJsonGetter,
  describeSchemaIssues,
  type JsonGetter,
  type VendorJson,
  vendorBadResponse,
} from './get-json';
export { lazy } from './lazy';
export type {
  ConnectionOf,
  ConnectionSource,
  FetchHandler,
  ParsedEnv,
  SimulatorOf,
  SimulatorOptionsOf,
  VendorConfig,
  VendorDefaults,
  VendorModule,
  VendorSandbox,
  VendorSimulator,
  VendorWebhook,
  WebhookDelivery,
  WebhookSecretsOf,
  WebhookVerification,
} from './module';
export type {
  Transport,
  TransportInit,
  TransportResponse,
  UpstreamCallReport,
  UpstreamClient,
  UpstreamJsonResponse,
  UpstreamObserver,
  UpstreamRequest,
  VendorErrorDetails,
  VendorErrorParser,
} from './upstream';
export { base64ToBytes, bytesEqual, hexToBytes, hmacSha256, utf8 } from './webhook-crypto';
