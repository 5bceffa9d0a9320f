import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  type Command,
  EXIT_BAD_INPUT,
  EXIT_FAILURE,
  EXIT_OK,
  parseFlags,
  positiveInt,
  UsageError,
} from '../cli.js';
import { readSpecFile } from './spec-file.js';

export interface RemoteOptions {
  /** The stage URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/v1/ */
  api: string;
  region?: string;
  credentials?: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
  fetch?: typeof fetch;
}

export interface RemoteResponse {
  status: number;
  body: unknown;
}

/** The region of an execute-api URL, if the host names one. */
export function regionOfApi(url: URL): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1];
}

export class RemoteClient {
  private readonly base: URL;
  private readonly signer: SignatureV4;
  private readonly fetch: typeof fetch;

  constructor(options: RemoteOptions) {
    let base: URL;
    try {
      base = new URL(options.api.endsWith('/') ? options.api : `${options.api}/`);
    } catch {
      throw new UsageError(`--api must be a URL, got "${options.api}"`);
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:')
      throw new UsageError(`--api must be an http(s) URL, got "${options.api}"`);
    this.base = base;
    const region =
      options.region ??
      process.env.AWS_REGION ??
      process.env.AWS_DEFAULT_REGION ??
      regionOfApi(base) ??
      'us-east-1';
    this.signer = new SignatureV4({
      service: 'execute-api',
      region,
      credentials: options.credentials ?? defaultProvider(),
      sha256: Sha256,
    });
    this.fetch = options.fetch ?? fetch;
  }

  /** A signed request to a path relative to the stage URL. */
  async request(
    method: string,
    path: string,
    options: { body?: string; query?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<RemoteResponse> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const headers: Record<string, string> = {
      host: url.host,
      accept: 'application/json',
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    };
    const signed = await this.signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers,
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
    // fetch sets Host itself from the URL (the same value that was signed).
    const { host: _host, ...send } = signed.headers as Record<string, string>;
    const res = await this.fetch(url, {
      method,
      headers: send,
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a gateway error page): keep the text.
    }
    return { status: res.status, body };
  }

  start(spec: string, idempotencyKey?: string) {
    return this.request('POST', 'searches', {
      body: spec,
      ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
    });
  }
  list(limit?: number, nextToken?: string) {
    const query: Record<string, string> = {};
    if (limit !== undefined) query.limit = String(limit);
    if (nextToken) query.nextToken = nextToken;
    return this.request('GET', 'searches', { query });
  }
  status(id: string) {
    return this.request('GET', `searches/${encodeURIComponent(id)}`);
  }
  results(id: string) {
    return this.request('GET', `searches/${encodeURIComponent(id)}/results`);
  }
  stop(id: string, force = false) {
    return this.request(
      'POST',
      `searches/${encodeURIComponent(id)}/stop`,
      force ? { query: { force: 'true' } } : {},
    );
  }
}

const USAGE = `cosearch remote start [SPEC.json] --api URL [--idempotency-key KEY]
       cosearch remote list --api URL [--limit N] [--next-token T]
       cosearch remote status|results SEARCH_ID --api URL
       cosearch remote stop SEARCH_ID --api URL [--force]   (--force: StopExecution now, no results)
Options: --region R (default: AWS_REGION, else the API URL's region)
Credentials come from the standard AWS chain (environment, profile, SSO, instance role).`;

const REMOTE_FLAGS = {
  api: {
    type: 'string',
    value: 'URL',
    defaultText: '$COSEARCH_API',
    description: "the stack's API stage URL (the ApiUrl output of cdk deploy)",
  },
  region: {
    type: 'string',
    value: 'R',
    defaultText: "AWS_REGION, else the API URL's region",
    description: 'region to sign for',
  },
  'idempotency-key': {
    type: 'string',
    value: 'KEY',
    description: 'start: a retried start with the same key starts nothing new',
  },
  limit: {
    type: 'string',
    value: 'N',
    defaultText: "the API's page size",
    description: 'list: searches per page',
  },
  'next-token': { type: 'string', value: 'T', description: 'list: the page after the one that returned T' },
  force: {
    type: 'boolean',
    description: 'stop: StopExecution now instead of after the current iteration (no results)',
  },
} as const;

async function specBody(path: string | undefined): Promise<string> {
  // Checked here too, so a bad spec fails before any request.
  return path ? (await readSpecFile(path)).text : '{}';
}

export const command: Command = {
  name: 'remote',
  summary: 'Start, list, inspect, stop and collect searches on a deployed stack (SigV4-signed REST API).',
  usage: USAGE,
  args: [
    { name: 'ACTION', required: true, description: 'start, list, status, results or stop' },
    { name: 'SPEC.json|SEARCH_ID', description: 'the spec to start (default {}), or the search to act on' },
  ],
  flags: REMOTE_FLAGS,
  examples: [
    [
      'cosearch remote start spec.json --api https://ID.execute-api.eu-west-1.amazonaws.com/v1',
      'start a search',
    ],
    ['COSEARCH_API=https://... cosearch remote status SEARCH_ID', 'its progress'],
    ['cosearch remote stop SEARCH_ID --force', 'StopExecution now (no results)'],
  ],
  async run(argv) {
    const { values, positionals } = parseFlags(argv, REMOTE_FLAGS);
    const [action, arg, ...extra] = positionals;
    if (!action) throw new UsageError(`missing action\nUsage: ${USAGE}`);
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const api = values.api ?? process.env.COSEARCH_API;
    if (!api) throw new UsageError('--api URL is required (or set COSEARCH_API)');
    const client = new RemoteClient({ api, ...(values.region ? { region: values.region } : {}) });
    const needId = () => {
      if (!arg) throw new UsageError(`remote ${action} needs a SEARCH_ID`);
      return arg;
    };
    let res: RemoteResponse;
    switch (action) {
      case 'start':
        res = await client.start(await specBody(arg), values['idempotency-key']);
        break;
      case 'list':
        if (arg) throw new UsageError(`unexpected argument "${arg}"`);
        res = await client.list(positiveInt('limit', values.limit, 1000), values['next-token']);
        break;
      case 'status':
        res = await client.status(needId());
        break;
      case 'results':
        res = await client.results(needId());
        break;
      case 'stop':
        res = await client.stop(needId(), values.force === true);
        break;
      default:
        throw new UsageError(`unknown action "${action}": use start, list, status, results or stop`);
    }
    const out = `${JSON.stringify(res.body, null, 2)}\n`;
    if (res.status >= 200 && res.status < 300) {
      process.stdout.write(out);
      return EXIT_OK;
    }
    process.stderr.write(`HTTP ${res.status}\n${out}`);
    return res.status >= 400 && res.status < 500 ? EXIT_BAD_INPUT : EXIT_FAILURE;
  },
};
