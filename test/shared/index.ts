import { describeAuthSuite } from './auth-suite';
import { describeCacheStatusSuite } from './cache-status-suite';
import { describeBatchSuite, describeCheckSuite } from './check-suite';
import { describeErrorSuite } from './error-suite';
import { describeListCrawlSuite } from './list-crawl-suite';
import { describeMergedSuite } from './merged-suite';
import type { SharedSuiteTarget } from './route-suite-target';

export {
  type GatewayCall,
  type SharedGateway,
  type SharedGatewayOptions,
  type SharedSuiteTarget,
  sharedRouteEnv,
  withUnreachableVendors,
} from './route-suite-target';

/**
 * Every shared route suite against one runtime. The Node project (`createApp` in process) and the
 * workers project (the Worker inside workerd) both call this, so the two runtimes are held to the
 * very same assertions.
 */
export function describeSharedRouteSuites(target: SharedSuiteTarget): void {
  describeAuthSuite(target);
  describeListCrawlSuite(target);
  describeCheckSuite(target);
  describeBatchSuite(target);
  describeErrorSuite(target);
  describeCacheStatusSuite(target);
  describeMergedSuite(target);
}
