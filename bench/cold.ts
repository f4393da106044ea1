/**
 * Cold-path cost: how long a reload of a customer spanning several vendor pages takes when every
 * vendor answer costs a fixed latency, against the round trips the vendor's pagination requires.
 * Zenskar's cursor must be followed page by page; Paygentic's offsets allow page 1 then the rest in
 * parallel (4 at a time); Chargebee's `next_offset` is sequential, and its feature catalogue is
 * fetched alongside. Run: `npx tsx bench/cold.ts` (prints a Markdown table).
 */
import { chargebeeDemoLargeCustomerId } from '../adapters/chargebee/fixtures';
import { zenskarDemoCustomerIds } from '../adapters/zenskar/fixtures';
import { TEST_KEY } from '../test/support/gateway';
import { startVendorStack } from '../test/support/vendor-stack';

const LATENCY_MS = 25;
const RUNS = 15;

const stack = await startVendorStack({ env: { LOG_LEVEL: 'warn' } });
const cases = [
  { vendor: 'zenskar', customer: zenskarDemoCustomerIds.initech },
  { vendor: 'paygentic', customer: 'cus_demoBigco' },
  { vendor: 'chargebee', customer: chargebeeDemoLargeCustomerId },
] as const;

const rows: string[] = [];
try {
  for (const { vendor, customer } of cases) {
    const kit = stack.simulators[vendor].kit;
    kit.setLatency(LATENCY_MS);
    const durations: number[] = [];
    let pages = 0;
    let peak = 0;
    for (let run = 0; run < RUNS; run++) {
      kit.reset();
      kit.setLatency(LATENCY_MS);
      const started = performance.now();
      const response = await stack.app.request(
        `/v1/customers/${customer}/entitlements?vendor=${vendor}&limit=1`,
        {
          headers: { authorization: `Bearer ${TEST_KEY}`, 'cache-control': 'no-cache' },
        },
      );
      await response.text();
      if (response.status !== 200) throw new Error(`${vendor}: HTTP ${response.status}`);
      durations.push(performance.now() - started);
      pages = kit.recorded.filter((request) => !request.path.endsWith('/features')).length;
      peak = kit.inFlight.peak;
    }
    durations.sort((left, right) => left - right);
    const median = durations[Math.floor(durations.length / 2)] ?? 0;
    rows.push(
      `| ${vendor} | ${pages} | ${peak} | ${Math.round(median)} | ${(median / LATENCY_MS).toFixed(1)} |`,
    );
  }
} finally {
  await stack.close();
}
console.log(
  `Cold reload (Cache-Control: no-cache), ${LATENCY_MS} ms added to every vendor answer, median of ${RUNS}:\n`,
);
console.log('| vendor | vendor pages | most in flight | median ms | in round trips |');
console.log('|---|---:|---:|---:|---:|');
for (const row of rows) console.log(row);
