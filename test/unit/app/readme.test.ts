import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configVariableNames } from '../../../src/config';
import { errorCatalog } from '../../../src/errors/codes';

/**
 * The README and `docs/` stay true: the tables that mirror code (error codes, configuration
 * variables, mapping rules and their tests) agree with it, and every relative link resolves.
 */

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function readDoc(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

/** README.md and every markdown file of docs/, as repository-relative paths. */
const documents = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

/** The part of `text` under the heading `heading` (e.g. `## Errors`), up to the next heading of that level or above. */
function section(path: string, heading: string): string {
  const text = readDoc(path);
  const level = heading.indexOf(' ');
  const start = text.search(new RegExp(`^${escapeRegExp(heading)}$`, 'm'));
  expect(start, `${path}: heading "${heading}"`).not.toBe(-1);
  const rest = text.slice(start + heading.length);
  const end = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return end === -1 ? rest : rest.slice(0, end);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Markdown with fenced code blocks and inline code removed, so links inside code are not read. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The targets of the inline links `[text](target)` of a markdown text. */
function linkTargets(markdown: string): string[] {
  return [...withoutCode(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map(
    (match) => match[1] ?? '',
  );
}

/** GitHub's heading anchors of a markdown file (lower case, punctuation dropped, spaces → dashes). */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const match of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = (match[1] ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

describe('README and docs stay true', () => {
  it('docs/api.md lists exactly the error codes of the table, with their statuses and titles', () => {
    const rows = [
      ...section('docs/api.md', '## Errors').matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| ([^|]+) \|/gm),
    ].map((match) => [match[1], { status: Number(match[2]), title: match[3]?.trim() }]);
    const fromTable = Object.entries(errorCatalog).map(([code, entry]) => [
      code,
      { status: entry.status, title: entry.title },
    ]);
    expect(rows.length).toBe(fromTable.length);
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(fromTable));
  });

  it('docs/configuration.md has a row for every variable the gateway reads, and no row for one it does not', () => {
    const configuration = readDoc('docs/configuration.md');
    const documented = new Set(
      [...configuration.matchAll(/^\| ([^|]+) \|/gm)].flatMap((row) =>
        [...(row[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((name) => name[1] ?? ''),
      ),
    );
    expect([...documented].sort()).toEqual([...configVariableNames].sort());
  });

  it('the README keeps the two quick-start commands', () => {
    const quickStart = section('README.md', '## Quick start');
    expect(quickStart).toContain('npm ci && npm start');
    expect(quickStart).toContain('npm test');
  });

  it('every relative link of README.md and docs/*.md points to a file (and heading) in the repository', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const document of documents) {
      for (const target of linkTargets(readDoc(document))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
        checked += 1;
        const [pathPart = '', anchor] = target.split('#', 2);
        if (pathPart.startsWith('/')) {
          broken.push(`${document}: ${target} (absolute path)`);
          continue;
        }
        const resolved =
          pathPart === '' ? join(repoRoot, document) : join(repoRoot, dirname(document), pathPart);
        const inRepo = !relative(repoRoot, resolved).startsWith('..');
        if (!inRepo || !existsSync(resolved)) {
          broken.push(`${document}: ${target} (no such file in the repository)`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith('.md') && statSync(resolved).isFile()) {
          if (!headingAnchors(readFileSync(resolved, 'utf8')).has(anchor)) {
            broken.push(`${document}: ${target} (no heading #${anchor})`);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(documents.length);
    expect(broken).toEqual([]);
  });

  it('no document cites a file that is not in the repository (the design, vendor notes or seeds)', () => {
    for (const document of documents) {
      const text = readDoc(document);
      for (const outside of [/DESIGN\.md/, /vendors\.md/, /\bseed \d{3}\b/i, /MAPPING\.md/]) {
        expect(text, `${document} cites ${outside.source}`).not.toMatch(outside);
      }
    }
  });

  it('every mapping rule in docs/mapping.md names at least one test, and each named test exists in its file', () => {
    const rows = [...readDoc('docs/mapping.md').matchAll(/^\| ([A-Z]\d+) \| (.+) \| (.*) \|$/gm)];
    expect(rows.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const [, rule, , tests = ''] of rows) {
      const named = tests.split('<br>').filter((test) => test.trim() !== '');
      if (named.length === 0) missing.push(`${rule}: names no test`);
      for (const test of named) {
        const match = /^`([^`]+)` > (.+)$/.exec(test.trim());
        if (!match) {
          missing.push(`${rule}: "${test}" is not \`file\` > test name`);
          continue;
        }
        const [, file = '', name = ''] = match;
        if (!existsSync(join(repoRoot, file))) {
          missing.push(`${rule}: ${file} does not exist`);
          continue;
        }
        if (!declaresTestName(readDoc(file), name)) missing.push(`${rule}: ${file} has no test "${name}"`);
      }
    }
    expect(missing).toEqual([]);
  });
});

/**
 * Whether a test file has a string literal equal to `name`, or an `it.each` title (with `%s`
 * placeholders) that produces it.
 */
function declaresTestName(source: string, name: string): boolean {
  for (const literal of source.matchAll(/'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`([^`]*)`/g)) {
    const text = (literal[1] ?? literal[2] ?? literal[3] ?? '').replace(/\\(.)/g, '$1');
    if (text === name) return true;
    if (text.includes('%s')) {
      const pattern = new RegExp(`^${text.split('%s').map(escapeRegExp).join('.+')}$`);
      if (pattern.test(name)) return true;
    }
  }
  return false;
}
