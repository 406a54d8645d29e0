import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering rule, enforced: core is the request pipeline and talks to everything else
 * through interfaces, so it imports no Slack, Membrane, OpenAI or database code, and nothing
 * from the other layers' folders. Slack stays transport (no direct Membrane or database code),
 * the planner (llm) knows OpenAI and core's types only, and observability depends on no layer.
 */
const SRC = join(import.meta.dirname, '..', 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [
    ...source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1] ?? m[2]!);
}

const rules: { layer: string; forbidden: RegExp[] }[] = [
  {
    layer: 'core',
    forbidden: [
      /^@slack\//,
      /^@membranehq\//,
      /^openai/,
      /^kysely/,
      /^pg$/,
      /^better-sqlite3/,
      /^axios/,
      /\/(slack|crm|llm|store|config|observability)\//,
    ],
  },
  { layer: 'slack', forbidden: [/^@membranehq\//, /^openai/, /^kysely/, /^pg$/, /^better-sqlite3/, /\/store\//] },
  { layer: 'crm', forbidden: [/^@slack\//, /^openai/, /\/slack\//, /\/llm\//] },
  { layer: 'store', forbidden: [/^@slack\//, /^@membranehq\//, /^openai/, /\/(slack|llm|crm)\//] },
  // The planner sees the CRM only as core's plain data: no Membrane, Slack or database.
  {
    layer: 'llm',
    forbidden: [/^@slack\//, /^@membranehq\//, /^kysely/, /^pg$/, /^better-sqlite3/, /\/(slack|crm|store)\//],
  },
  // Logs, metrics and the request scope serve every layer, so they depend on none of them.
  {
    layer: 'observability',
    forbidden: [
      /^@slack\//,
      /^@membranehq\//,
      /^openai/,
      /^kysely/,
      /^pg$/,
      /^better-sqlite3/,
      /\/(slack|crm|llm|store|config|core)\//,
    ],
  },
];

describe('import boundaries', () => {
  for (const { layer, forbidden } of rules) {
    it(`${layer} imports only what its layer may`, () => {
      const violations = filesUnder(join(SRC, layer)).flatMap((file) =>
        importsOf(file)
          .filter((specifier) => forbidden.some((pattern) => pattern.test(specifier)))
          .map((specifier) => `${relative(SRC, file)} imports ${specifier}`),
      );
      expect(violations).toEqual([]);
    });
  }

  // The fakes, the sandbox, the tests and the bench drive the product from outside, through its
  // configuration; the product never reaches back into them.
  it('src imports nothing from fakes, sandbox, test or bench', () => {
    const violations = filesUnder(SRC).flatMap((file) =>
      importsOf(file)
        .filter((specifier) => /(^|\/)(fakes|sandbox|test|bench)\//.test(specifier))
        .map((specifier) => `${relative(SRC, file)} imports ${specifier}`),
    );
    expect(violations).toEqual([]);
  });

  // The slash command's name and Slack's markup belong to slack/: other layers name a command with
  // core's commandText, and a channel or person by its id, for slack/ to write as Slack shows them.
  it('no layer but slack spells the slash command or Slack markup in its strings', () => {
    const spelled = /['"`][^'"`\n]*(\/espo(?=[\s`'"]|$)|<[#@!][A-Za-z]|<https?:)/;
    const violations = ['core', 'crm', 'llm', 'store', 'config', 'observability'].flatMap((layer) =>
      filesUnder(join(SRC, layer)).flatMap((file) =>
        codeLines(file)
          .filter(({ line }) => spelled.test(line))
          .map(({ line, number }) => `${relative(SRC, file)}:${number}: ${line.trim()}`),
      ),
    );
    expect(violations).toEqual([]);
  });

  // EspoCRM's REST paths and record addresses belong to crm/espo: core asks for them through its
  // ports (EntityDirectory, CrmGateway, RecordWebhooks, RecordHistory), so another CRM's adapter could serve it.
  const espoSpelled = [
    // A request path written out: '/Webhook', '/Note', `/${entity}/${id}/stream`.
    /(?:^|[([{,:=?+]\s*)['"`]\/(?:[A-Z]|\$\{[^}]*\}\/)/,
    /['"`][^'"`\n]*\/stream\b/,
    // A record's web address, built or read (`#Lead/view/<id>`); a whole example link is a person's words.
    /(?<!https?:\/\/[^\s'"`]*)#[^\s'"`]*\\?\/view\\?\//,
  ];
  it('core spells no EspoCRM REST path or record address in its code', () => {
    const violations = filesUnder(join(SRC, 'core')).flatMap((file) =>
      codeLines(file)
        .filter(({ line }) => espoSpelled.some((pattern) => pattern.test(line)))
        .map(({ line, number }) => `${relative(SRC, file)}:${number}: ${line.trim()}`),
    );
    expect(violations).toEqual([]);
  });

  it('the REST path check itself sees a path', () => {
    const spells = (code: string) => espoSpelled.some((pattern) => pattern.test(code));
    expect(spells("path: '/Webhook', body")).toBe(true);
    expect(spells('path: `/Webhook/${encodeURIComponent(id)}`')).toBe(true);
    expect(spells('path: `/${change.entity}/${id}/stream?maxSize=20`')).toBe(true);
    expect(spells('const link = `${site}/#${entity}/view/${id}`;')).toBe(true);
    expect(spells('const scope = `poll:${change.entity}`;')).toBe(false);
  });

  // A cycle makes two files one piece that cannot be read, tested or moved apart; type-only
  // imports count too, since a shared type in the wrong file is how such a knot starts.
  it('no file imports itself through others', () => {
    const files = filesUnder(SRC);
    const known = new Set(files);
    const graph = new Map(
      files.map((file) => [
        file,
        importsOf(file)
          .filter((specifier) => specifier.startsWith('.'))
          .map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
          .filter((target) => known.has(target)),
      ]),
    );
    expect(cyclesOf(graph).map((cycle) => cycle.map((file) => relative(SRC, file)))).toEqual([]);
  });

  it('the cycle check itself finds a cycle', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
    ]);
    expect(cyclesOf(graph)).toEqual([['a', 'b', 'c']]);
  });

  it('the check itself sees imports', () => {
    expect(importsOf(join(SRC, 'core', 'service.ts'))).toContain('./ports.js');
  });
});

/** A file's lines without their comments (comments may name commands and paths; only code is checked). */
function codeLines(file: string): { line: string; number: number }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, index) => ({ line: line.replace(/^\s*(\/\*\*|\*).*$|\s\/\/.*$/, ''), number: index + 1 }));
}

/** The strongly connected components of more than one file (Tarjan), each sorted: the import cycles. */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  const order = new Map<string, number>();
  const lowest = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string) => {
    order.set(file, order.size);
    lowest.set(file, order.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!order.has(target)) {
        visit(target);
        lowest.set(file, Math.min(lowest.get(file)!, lowest.get(target)!));
      } else if (onStack.has(target)) lowest.set(file, Math.min(lowest.get(file)!, order.get(target)!));
    }
    if (lowest.get(file) !== order.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!order.has(file)) visit(file);
  return cycles;
}
