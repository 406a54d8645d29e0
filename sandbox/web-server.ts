import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { once } from 'node:events';
import { transform } from 'esbuild';
import type { FakeEspoCrm } from '../fakes/espocrm/model.js';
import type { GivenValue } from '../fakes/slack/elements.js';
import type { FakeFile } from '../fakes/slack/files.js';
import { WorkspaceError, type ActionSource, type SlackWorkspace } from '../fakes/slack/workspace.js';
import { CrmAdmin } from './crm-admin.js';

/**
 * The sandbox's page and its JSON API: the page plays Slack for a person (what they do goes to
 * the workspace model, which sends it to the bot as Slack would), and shows the workspace as it
 * changes, over server-sent events. The page's TypeScript is compiled as it is served.
 */
export interface WebServer {
  url: string;
  /** `files`: what the bot uploaded to the fake Slack, shown where an image block names them. */
  attach(workspace: SlackWorkspace, files?: ReadonlyMap<string, FakeFile>): void;
  close(): Promise<void>;
}

const WEB_DIR = join(import.meta.dirname, 'web');
const MAX_BODY = 1_000_000;

/**
 * Nothing the page shows may run or load anything: only the page's own scripts and styles, and no
 * images from elsewhere (the sandbox sends no traffic off the machine).
 */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

class BadRequest extends Error {}

export async function startWebServer(options: { host: string; port: number; crm: FakeEspoCrm }): Promise<WebServer> {
  let workspace: SlackWorkspace | undefined;
  let files: ReadonlyMap<string, FakeFile> = new Map();
  const admin = new CrmAdmin(options.crm);
  const streams = new Set<{ response: ServerResponse; user: string }>();
  const compiled = new Map<string, { modified: number; text: string }>();
  let flush: NodeJS.Timeout | undefined;

  const push = () => {
    // Changes come in bursts (a reply, then its replacement): one snapshot per burst.
    flush ??= setTimeout(() => {
      flush = undefined;
      for (const stream of streams) {
        if (!workspace?.person(stream.user)) continue;
        stream.response.write(`data: ${JSON.stringify(workspace.snapshot(stream.user))}\n\n`);
      }
    }, 15);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status =
        error instanceof BadRequest || error instanceof WorkspaceError ? 400 : error instanceof RangeError ? 404 : 500;
      if (!response.headersSent)
        json(response, status, { error: error instanceof Error ? error.message : String(error) });
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // Only the sandbox's own address: a page elsewhere that rebinds its name to 127.0.0.1 gets nothing.
    if (!hosts.has(request.headers.host ?? '')) return json(response, 421, { error: 'unknown host' });
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const path = url.pathname;
    if (request.method === 'GET' && path.startsWith('/web/')) return serveStatic(path.slice('/web/'.length), response);
    if (request.method === 'GET' && !path.startsWith('/api/')) return serveStatic('index.html', response);
    if (!workspace) return json(response, 503, { error: 'starting' });
    const ws = workspace;
    const user = url.searchParams.get('user') ?? '';

    if (request.method === 'GET' && path === '/api/stream') {
      if (!ws.person(user)) throw new BadRequest('unknown user');
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      const stream = { response, user };
      streams.add(stream);
      response.write(`data: ${JSON.stringify(ws.snapshot(user))}\n\n`);
      request.on('close', () => streams.delete(stream));
      return;
    }
    if (request.method === 'GET' && path === '/api/state') return json(response, 200, ws.snapshot(user));
    // An image block's slack_file (a report's chart): the bytes the bot uploaded, from this origin,
    // PNG only, so the page loads no image from anywhere else.
    const fileId = /^\/api\/files\/(F\w+)$/.exec(path)?.[1];
    if (request.method === 'GET' && fileId) {
      const file = files.get(fileId);
      if (!file?.completed || !file.bytes || !file.bytes.subarray(1, 4).equals(Buffer.from('PNG')))
        return json(response, 404, { error: 'no such image' });
      response
        .writeHead(200, {
          'content-type': 'image/png',
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
        })
        .end(file.bytes);
      return;
    }
    if (request.method === 'GET' && path === '/api/crm') return json(response, 200, admin.entities());
    const crmPath = /^\/api\/crm\/([A-Za-z]+)(?:\/([\w-]+))?$/.exec(path);
    if (request.method === 'GET' && crmPath && !crmPath[2]) return json(response, 200, admin.list(crmPath[1]!));

    // Everything else changes something: JSON only, so another site's page cannot post here (a
    // cross-site JSON post needs a CORS preflight this server never grants).
    if (request.method !== 'POST' && request.method !== 'PUT' && request.method !== 'DELETE')
      return json(response, 405, { error: 'method not allowed' });
    if (!(request.headers['content-type'] ?? '').startsWith('application/json'))
      return json(response, 415, { error: 'JSON only' });
    const body = await readJson(request);
    if (crmPath) {
      const [, entity, id] = crmPath as unknown as [string, string, string | undefined];
      const fields = (body.fields ?? {}) as Record<string, unknown>;
      if (request.method === 'POST' && !id) return json(response, 200, await admin.create(entity, fields));
      if (request.method === 'PUT' && id) return json(response, 200, await admin.update(entity, id, fields));
      if (request.method === 'DELETE' && id) return json(response, 200, await admin.remove(entity, id));
      throw new BadRequest('unknown CRM operation');
    }
    const who = text(body.user);
    if (!ws.person(who)) throw new BadRequest('unknown user');
    switch (path) {
      case '/api/command':
        await ws.command(who, text(body.channel), text(body.text));
        return json(response, 200, { ok: true });
      case '/api/say': {
        const message = await ws.say(who, text(body.channel), text(body.text), optionalText(body.threadTs));
        return json(response, 200, { ok: true, ts: message.ts });
      }
      case '/api/act':
        await ws.act(
          who,
          source(body.source),
          text(body.blockId),
          text(body.actionId),
          (body.value ?? null) as GivenValue,
        );
        return json(response, 200, { ok: true });
      case '/api/submit': {
        const open = await ws.submit(
          who,
          text(body.viewId),
          (body.values ?? {}) as Record<string, Record<string, GivenValue>>,
        );
        return json(response, 200, { ok: true, open: Boolean(open) });
      }
      case '/api/close':
        await ws.close(who, text(body.viewId));
        return json(response, 200, { ok: true });
      case '/api/suggest':
        return json(
          response,
          200,
          await ws.suggest(who, text(body.viewId), text(body.blockId), text(body.actionId), text(body.value)),
        );
      case '/api/shortcut':
        await ws.shortcut(who, text(body.channel), text(body.ts), text(body.callbackId));
        return json(response, 200, { ok: true });
      case '/api/home':
        await ws.openHome(who);
        return json(response, 200, { ok: true });
      default:
        return json(response, 404, { error: 'not found' });
    }
  }

  async function serveStatic(name: string, response: ServerResponse): Promise<void> {
    const file = normalize(join(WEB_DIR, name));
    if (!file.startsWith(`${WEB_DIR}/`) || name.includes('..')) throw new RangeError('not found');
    const headers = {
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    };
    // Modules import each other as `./x.js`, as TypeScript wants; the source is x.ts.
    if (extname(file) === '.js') {
      const sourceFile = file.replace(/\.js$/, '.ts');
      // Compiled once per version of the file, so an edit shows on the next reload.
      const modified = (
        await stat(sourceFile).catch(() => {
          throw new RangeError('not found');
        })
      ).mtimeMs;
      let code = compiled.get(sourceFile);
      if (!code || code.modified !== modified) {
        const source = await readFile(sourceFile, 'utf8');
        code = {
          modified,
          text: (
            await transform(source, {
              loader: 'ts',
              format: 'esm',
              target: 'es2022',
              sourcemap: 'inline',
              sourcefile: name.replace(/\.js$/, '.ts'),
            })
          ).code,
        };
        compiled.set(sourceFile, code);
      }
      response.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' }).end(code.text);
      return;
    }
    const types: Record<string, string> = {
      '.html': 'text/html; charset=utf-8',
      '.css': 'text/css; charset=utf-8',
      '.svg': 'image/svg+xml',
    };
    const type = types[extname(file)];
    if (!type) throw new RangeError('not found');
    const content = await readFile(file).catch(() => {
      throw new RangeError('not found');
    });
    response.writeHead(200, { ...headers, 'content-type': type }).end(content);
  }

  const hosts = new Set<string>();
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  for (const name of [host, 'localhost', '127.0.0.1', '[::1]']) hosts.add(`${name}:${port}`);
  return {
    url: `http://${host}:${port}`,
    attach(attached, uploaded) {
      workspace = attached;
      if (uploaded) files = uploaded;
      attached.onChange(push);
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(flush);
        for (const stream of streams) stream.response.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BadRequest('body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new BadRequest('expected a JSON object');
}

function text(value: unknown): string {
  if (typeof value !== 'string') throw new BadRequest('expected text');
  return value;
}

function optionalText(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : text(value);
}

function source(value: unknown): ActionSource {
  const given = (value ?? {}) as Record<string, unknown>;
  return typeof given.viewId === 'string'
    ? { viewId: given.viewId }
    : { channel: text(given.channel), ts: text(given.ts) };
}
