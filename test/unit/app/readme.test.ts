import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configVariableNames } from '../../../src/config';
import { errorCatalog } from '../../../src/errors/codes';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`## ${title}`);
  expect(start, `README section "${title}"`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 3);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe('README stays true', () => {
  it('lists exactly the error codes of the table, with their statuses and titles', () => {
    const rows = [...section('API overview').matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| ([^|]+) \|/gm)].map(
      (match) => [match[1], { status: Number(match[2]), title: match[3]?.trim() }],
    );
    const fromTable = Object.entries(errorCatalog).map(([code, entry]) => [
      code,
      { status: entry.status, title: entry.title },
    ]);
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(fromTable));
  });

  it('documents every configuration variable the gateway reads', () => {
    const configuration = section('Configuration');
    for (const name of configVariableNames) expect(configuration, name).toContain(`\`${name}\``);
  });

  it('keeps the two quick-start commands', () => {
    expect(section('Quick start')).toContain('npm ci && npm start');
    expect(section('Quick start')).toContain('npm test');
  });
});
