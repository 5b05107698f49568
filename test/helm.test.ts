/**
 * The Helm chart (helm/tradesage), checked without Helm: values.yaml against values.schema.json;
 * a Deployment, Service, autoscaler, disruption budget and network policy per service, probed on
 * the paths the services serve; and each service's environment, as the chart's ConfigMap, Secret
 * and Deployment env give it, against what the code needs (test/support/deployment-env.ts).
 *
 * The settings templates (configmap.yaml, secret.yaml and the env helpers in _helpers.tpl) and
 * PgBouncer's (pgbouncer.yaml) are rendered by a small Go-template subset below, which throws on
 * anything outside it rather than guess. The other templates are checked as text.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import YAML from 'yaml';
import { loadConfig, REPO_ROOT } from '@tradesage/shared';
import {
  DEPLOYED_SERVICES,
  environmentProblems,
  listeningPort,
  type DeployedService,
  type Env,
} from './support/deployment-env';
import {
  connectionParameters,
  parseIni,
  parseUserlist,
  type Ini,
} from './support/pgbouncer-config';

const CHART_DIR = path.join(REPO_ROOT, 'helm/tradesage');
const RELEASE = 'demo';
/** Where Helm names the chart's template files (`.Template.BasePath`). */
const TEMPLATE_BASE_PATH = 'tradesage/templates';

const readChartFile = (file: string) => fs.readFileSync(path.join(CHART_DIR, file), 'utf8');
const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');

const chartFiles: Record<string, string> = Object.fromEntries(
  fs
    .readdirSync(path.join(CHART_DIR, 'templates'))
    .map((name) => [`templates/${name}`, readChartFile(`templates/${name}`)]),
);
const defaultValues = YAML.parse(readChartFile('values.yaml')) as any;
const chartMeta = YAML.parse(readChartFile('Chart.yaml')) as Record<string, string>;

/** What an operator must provide (values.yaml says which are required); dummies of the right shape. */
const REQUIRED_SECRETS = {
  DATABASE_URL: 'postgres://tradesage:db-password@postgres.data:5432/tradesage',
  REDIS_URL: 'redis://redis.data:6379',
  JWT_PRIVATE_KEYS: '[{"kid":"2026-01","pem":"-----BEGIN PRIVATE KEY-----..."}]',
  // Two keys (the auth subgraph parses them: test/support/deployment-env.ts), 32 bytes each.
  SECRETS_KEYS: `2026-01:${Buffer.alloc(32, 1).toString('base64')},2026-06:${Buffer.alloc(32, 2).toString('base64')}`,
  SMTP_URL: 'smtp://mailer:mail-password@smtp.example.com:587',
};
const OPTIONAL_SECRETS = {
  TENANT_DB_PASSWORD: 'tenant-password',
  OIDC_CLIENT_SECRET: 'oidc-secret',
  BOOTSTRAP_OPERATOR_EMAIL: 'ops@tradesage.example',
  BOOTSTRAP_OPERATOR_PASSWORD: 'operator-password',
  PSEUDONYM_KEY: 'a pseudonym key of at least 32 characters',
  S3_ACCESS_KEY_ID: 's3-key',
  S3_SECRET_ACCESS_KEY: 's3-secret',
};

/** An existingSecret's keys: the required ones, and the services' URL through PgBouncer. */
const EXISTING_SECRET_DATA = {
  ...REQUIRED_SECRETS,
  PGBOUNCER_DATABASE_URL: `postgres://tradesage:db-password@${RELEASE}-${chartMeta.name}-pgbouncer:${defaultValues.pgbouncer.port}/tradesage`,
};

function withValues(change: (values: any) => void = () => {}): any {
  const values = structuredClone(defaultValues);
  change(values);
  return values;
}
const installValues = (secrets: Record<string, string> = REQUIRED_SECRETS) =>
  withValues((values) => Object.assign(values.secrets, secrets));

// ---------------------------------------------------------------------------------------------
// A Go-template subset: text, {{ }} actions with trim markers and comments, if/else, range,
// with, define, `:=`, pipelines, and the few Helm/Sprig functions the settings templates use.

type Token = { text: string } | { action: string };

function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  let trimNext = false;
  const action = /\{\{(-\s)?\s*([\s\S]*?)\s*(\s-)?\}\}/g;
  for (const match of source.matchAll(action)) {
    let text = source.slice(last, match.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (match[1]) text = text.replace(/\s+$/, '');
    tokens.push({ text });
    if (!match[2].startsWith('/*')) tokens.push({ action: match[2] });
    trimNext = Boolean(match[3]);
    last = match.index + match[0].length;
  }
  const rest = source.slice(last);
  tokens.push({ text: trimNext ? rest.replace(/^\s+/, '') : rest });
  return tokens;
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'print'; expr: string }
  | { kind: 'declare'; name: string; expr: string }
  | { kind: 'if' | 'with'; expr: string; then: Node[]; otherwise: Node[] }
  | { kind: 'range'; names: string[]; expr: string; body: Node[] };

function parse(source: string, defines: Map<string, Node[]>): Node[] {
  const tokens = lex(source);
  let at = 0;
  const block = (): { nodes: Node[]; closedBy: 'end' | 'else' | 'eof' } => {
    const nodes: Node[] = [];
    while (at < tokens.length) {
      const token = tokens[at++];
      if ('text' in token) {
        if (token.text) nodes.push({ kind: 'text', text: token.text });
        continue;
      }
      const keyword = token.action.split(/\s+/, 1)[0];
      const rest = token.action.slice(keyword.length).trim();
      if (keyword === 'end') return { nodes, closedBy: 'end' };
      if (keyword === 'else') {
        if (rest) throw new Error(`unsupported: {{ else ${rest} }}`);
        return { nodes, closedBy: 'else' };
      }
      if (keyword === 'if' || keyword === 'with') {
        const then = block();
        const otherwise = then.closedBy === 'else' ? block().nodes : [];
        nodes.push({ kind: keyword, expr: rest, then: then.nodes, otherwise });
      } else if (keyword === 'range') {
        const header = /^(\$\w+)(?:\s*,\s*(\$\w+))?\s*:=\s*([\s\S]+)$/.exec(rest);
        if (!header) throw new Error(`unsupported: {{ range ${rest} }}`);
        const body = block();
        if (body.closedBy !== 'end') throw new Error('unsupported: range with else');
        const names = header[2] ? [header[1], header[2]] : [header[1]];
        nodes.push({ kind: 'range', names, expr: header[3], body: body.nodes });
      } else if (keyword === 'define') {
        defines.set(JSON.parse(rest) as string, block().nodes);
      } else {
        const declaration = /^(\$\w+)\s*(:?=)\s*([\s\S]+)$/.exec(token.action);
        if (declaration && declaration[2] !== ':=') throw new Error(`unsupported: ${token.action}`);
        nodes.push(
          declaration
            ? { kind: 'declare', name: declaration[1], expr: declaration[3] }
            : { kind: 'print', expr: token.action },
        );
      }
    }
    return { nodes, closedBy: 'eof' };
  };
  const { nodes, closedBy } = block();
  if (closedBy !== 'eof') throw new Error(`unbalanced {{ ${closedBy} }}`);
  return nodes;
}

interface Scope {
  dot: unknown;
  vars: Map<string, unknown>;
}
const child = (scope: Scope, dot = scope.dot): Scope => ({ dot, vars: new Map(scope.vars) });

/** Go's truth: false, 0, nil and empty strings, lists and maps are false. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/** What {{ }} prints; a missing value prints nothing (Helm drops "<no value>"). */
function printed(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') throw new Error(`cannot print ${JSON.stringify(value)}`);
  return String(value);
}

function field(value: unknown, name: string): unknown {
  if (value === null || typeof value !== 'object')
    throw new Error(`nil pointer evaluating .${name}`);
  return (value as Record<string, unknown>)[name];
}

type Operand =
  | { literal: unknown }
  | { variable: string; fields: string[] }
  | { fields: string[] }
  | { name: string }
  | { pipeline: Operand[][] };

function parseExpression(source: string): Operand[][] {
  const tokens = [
    ...source.matchAll(
      /"(?:[^"\\]|\\.)*"|[()|]|-?\d+(?![\w.])|\$\w*(?:\.\w+)*|(?:\.\w+)+|\.|[A-Za-z_]\w*|\S/g,
    ),
  ].map((match) => match[0]);
  let at = 0;
  const pipeline = (): Operand[][] => {
    const commands: Operand[][] = [[]];
    while (at < tokens.length && tokens[at] !== ')') {
      const token = tokens[at++];
      const command = commands[commands.length - 1];
      if (token === '|') commands.push([]);
      else if (token === '(') {
        command.push({ pipeline: pipeline() });
        if (tokens[at++] !== ')') throw new Error(`unbalanced ( in ${source}`);
      } else if (token.startsWith('"')) command.push({ literal: JSON.parse(token) });
      else if (/^-?\d/.test(token)) command.push({ literal: Number(token) });
      else if (token.startsWith('$')) {
        const [variable, ...fields] = token.split('.');
        command.push({ variable, fields });
      } else if (token === '.') command.push({ fields: [] });
      else if (token.startsWith('.')) command.push({ fields: token.split('.').slice(1) });
      else if (/^[A-Za-z_]/.test(token)) command.push({ name: token });
      else throw new Error(`unsupported token ${token} in ${source}`);
    }
    return commands;
  };
  const parsed = pipeline();
  if (at !== tokens.length) throw new Error(`unbalanced ) in ${source}`);
  return parsed;
}

class ChartRenderer {
  private readonly defines = new Map<string, Node[]>();
  private readonly functions: Record<string, (...args: any[]) => unknown> = {
    include: (name: string, data: unknown) => {
      // A whole file, as `include (print $.Template.BasePath "/secret.yaml") $` names it.
      if (name.startsWith(`${TEMPLATE_BASE_PATH}/`)) {
        const file = `templates/${name.slice(TEMPLATE_BASE_PATH.length + 1)}`;
        if (this.files[file] === undefined) throw new Error(`no template named ${name}`);
        return this.run(parse(this.files[file], new Map()), {
          dot: data,
          vars: new Map([['$', data]]),
        });
      }
      const body = this.defines.get(name);
      if (!body) throw new Error(`no template named ${name}`);
      return this.run(body, { dot: data, vars: new Map([['$', data]]) });
    },
    // Go's fmt.Sprint: a space between operands when neither is a string.
    print: (...args: unknown[]) =>
      args
        .map((arg, i) =>
          i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string'
            ? ` ${printed(arg)}`
            : printed(arg),
        )
        .join(''),
    sha256sum: (text: unknown) => createHash('sha256').update(printed(text)).digest('hex'),
    toYaml: (value: unknown) =>
      value === undefined || value === null ? 'null' : YAML.stringify(value).replace(/\n$/, ''),
    // Sprig's, on Go's net/url: the parts of a URL, and a URL from such parts.
    urlParse: (text: unknown) => {
      const url = new URL(printed(text));
      return {
        scheme: url.protocol.slice(0, -1),
        host: url.host,
        hostname: url.hostname,
        path: decodeURIComponent(url.pathname),
        query: url.search.slice(1),
        opaque: '',
        fragment: url.hash.slice(1),
        userinfo: url.username + (url.password ? `:${url.password}` : ''),
      };
    },
    urlJoin: (parts: Record<string, unknown>) => {
      const part = (key: string) => {
        const value = parts[key] ?? '';
        if (typeof value !== 'string') throw new Error(`urlJoin: ${key} is not a string`);
        return value;
      };
      const authority = part('userinfo') ? `${part('userinfo')}@${part('host')}` : part('host');
      return (
        (part('scheme') ? `${part('scheme')}:` : '') +
        (authority ? `//${authority}` : '') +
        encodeURI(part('path')) +
        (part('query') ? `?${part('query')}` : '') +
        (part('fragment') ? `#${part('fragment')}` : '')
      );
    },
    printf: (format: string, ...args: unknown[]) =>
      format.replace(/%[svd]/g, () => printed(args.shift())),
    quote: (...args: unknown[]) =>
      args
        .filter((arg) => arg !== undefined && arg !== null)
        .map((arg) => JSON.stringify(printed(arg)))
        .join(' '),
    upper: (text: unknown) => printed(text).toUpperCase(),
    trim: (text: unknown) => printed(text).trim(),
    nindent: (spaces: number, text: unknown) =>
      '\n' +
      printed(text)
        .split('\n')
        .map((line) => ' '.repeat(spaces) + line)
        .join('\n'),
    trunc: (length: number, text: unknown) => printed(text).slice(0, length),
    trimSuffix: (suffix: string, text: unknown) => {
      const value = printed(text);
      return value.endsWith(suffix) ? value.slice(0, value.length - suffix.length) : value;
    },
    default: (fallback: unknown, given: unknown) => (truthy(given) ? given : fallback),
    required: (message: string, given: unknown) => {
      if (given === undefined || given === null || given === '') throw new Error(message);
      return given;
    },
    eq: (a: unknown, b: unknown) => a === b,
    ne: (a: unknown, b: unknown) => a !== b,
    not: (value: unknown) => !truthy(value),
    and: (...args: unknown[]) => args.find((arg) => !truthy(arg)) ?? args[args.length - 1],
    has: (needle: unknown, list: unknown) => Array.isArray(list) && list.includes(needle),
    hasKey: (map: Record<string, unknown>, key: string) => Object.hasOwn(map, key),
    index: (value: unknown, ...keys: string[]) => keys.reduce((at, key) => field(at, key), value),
    fromYaml: (text: string) => YAML.parse(text) ?? {},
    list: (...items: unknown[]) => items,
    dict: (...pairs: unknown[]) =>
      Object.fromEntries(
        pairs.flatMap((key, i) => (i % 2 === 0 ? [[String(key), pairs[i + 1]]] : [])),
      ),
  };

  /** The named templates come from _helpers.tpl; only the files rendered need be in the subset. */
  constructor(private readonly files: Record<string, string>) {
    parse(files['templates/_helpers.tpl'], this.defines);
  }

  /** A whole template file, as `helm template` would print it. */
  renderFile(file: string, values: unknown): string {
    const source = this.files[file];
    if (source === undefined) throw new Error(`the chart has no ${file}`);
    return this.renderSnippet(source, values);
  }

  /** Template text, with `.` the chart's context and the given variables (e.g. a range's). */
  renderSnippet(source: string, values: unknown, vars: Record<string, unknown> = {}): string {
    const context = {
      Values: values,
      Release: { Name: RELEASE, Namespace: 'prod', Service: 'Helm' },
      Chart: { Name: chartMeta.name, Version: chartMeta.version, AppVersion: chartMeta.appVersion },
      Template: { BasePath: TEMPLATE_BASE_PATH },
    };
    const scope = { dot: context, vars: new Map<string, unknown>([['$', context]]) };
    for (const [name, value] of Object.entries(vars)) scope.vars.set(name, value);
    return this.run(parse(source, new Map()), scope);
  }

  private run(nodes: Node[], scope: Scope): string {
    let out = '';
    for (const node of nodes) {
      if (node.kind === 'text') out += node.text;
      else if (node.kind === 'print') out += printed(this.evaluate(node.expr, scope));
      else if (node.kind === 'declare') scope.vars.set(node.name, this.evaluate(node.expr, scope));
      else if (node.kind === 'if' || node.kind === 'with') {
        const value = this.evaluate(node.expr, scope);
        if (!truthy(value)) out += this.run(node.otherwise, child(scope));
        else out += this.run(node.then, child(scope, node.kind === 'with' ? value : scope.dot));
      } else if (node.kind === 'range') {
        const collection = this.evaluate(node.expr, scope) ?? [];
        const entries: [unknown, unknown][] = Array.isArray(collection)
          ? collection.map((item, i) => [i, item])
          : Object.keys(collection as object)
              .sort()
              .map((key) => [key, (collection as Record<string, unknown>)[key]]);
        for (const [key, item] of entries) {
          const inner = child(scope, item);
          if (node.names.length === 2) inner.vars.set(node.names[0], key);
          inner.vars.set(node.names[node.names.length - 1], item);
          out += this.run(node.body, inner);
        }
      }
    }
    return out;
  }

  private evaluate(expr: string, scope: Scope): unknown {
    return this.pipeline(parseExpression(expr), scope);
  }

  private pipeline(commands: Operand[][], scope: Scope): unknown {
    let piped: unknown[] = [];
    for (const [head, ...args] of commands) {
      if (head && 'name' in head && this.functions[head.name]) {
        const values = args.map((arg) => this.operand(arg, scope));
        piped = [this.functions[head.name](...values, ...piped)];
      } else {
        if (args.length > 0 || piped.length > 0 || !head) throw new Error('not a function call');
        piped = [this.operand(head, scope)];
      }
    }
    return piped[0];
  }

  private operand(operand: Operand, scope: Scope): unknown {
    if ('literal' in operand) return operand.literal;
    if ('pipeline' in operand) return this.pipeline(operand.pipeline, scope);
    if ('name' in operand) {
      if (operand.name === 'true' || operand.name === 'false') return operand.name === 'true';
      if (operand.name === 'nil') return null;
      const fn = this.functions[operand.name];
      if (!fn) throw new Error(`unsupported function ${operand.name}`);
      return fn();
    }
    if ('variable' in operand) {
      if (!scope.vars.has(operand.variable)) throw new Error(`undefined ${operand.variable}`);
      return operand.fields.reduce(field, scope.vars.get(operand.variable));
    }
    return operand.fields.reduce(field, scope.dot);
  }
}

// ---------------------------------------------------------------------------------------------
// What the chart gives each service.

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface SecretData {
  name: string;
  data: Record<string, string>;
}

/** The body of each `{{- range ... := .Values.services }}` in a template, up to its `end`. */
function rangesOverServices(source: string): string[] {
  const bodies: string[] = [];
  const opener = /\{\{-?\s*range\s+\$\w+\s*,\s*\$\w+\s*:=\s*\.Values\.services\s*-?\}\}/g;
  for (const match of source.matchAll(opener)) {
    let depth = 1;
    const actions = /\{\{-?\s*(if|range|with|define|end)\b[^}]*\}\}/g;
    actions.lastIndex = match.index + match[0].length;
    for (let action = actions.exec(source); action; action = actions.exec(source)) {
      depth += action[1] === 'end' ? -1 : 1;
      if (depth === 0) {
        bodies.push(source.slice(match.index + match[0].length, action.index));
        break;
      }
    }
  }
  return bodies;
}

/** The one action in `source` that matches `pattern`, as template text. */
function theAction(source: string, pattern: RegExp): string {
  const found = [...source.matchAll(/\{\{[\s\S]*?\}\}/g)]
    .map((match) => match[0])
    .filter((action) => pattern.test(action));
  if (found.length !== 1) throw new Error(`${found.length} actions match ${pattern}`);
  return found[0];
}

/** Template text from inside a `range $name, $svc := .Values.services`, for one service. */
function renderForService(
  chart: ChartRenderer,
  template: string,
  values: any,
  service: DeployedService,
): string {
  // Every such template sets `$root := .` before its range.
  return chart.renderSnippet(`{{- $root := . }}${template}`, values, {
    $name: service,
    $svc: values.services[service],
  });
}

function renderedSecret(chart: ChartRenderer, values: any): SecretData | undefined {
  const secret = YAML.parse(chart.renderFile('templates/secret.yaml', values)) as {
    metadata: { name: string };
    stringData: Record<string, string>;
  } | null;
  return secret ? { name: secret.metadata.name, data: secret.stringData ?? {} } : undefined;
}

/** Env entries as Kubernetes resolves them: `value`, or a key of the given Secret. */
function resolve(entries: EnvVar[], secret: SecretData | undefined, who: string) {
  const env: Env = {};
  const problems: string[] = [];
  for (const entry of entries) {
    const ref = entry.valueFrom?.secretKeyRef;
    if (!ref) {
      env[entry.name] = entry.value;
      continue;
    }
    const stored = ref.name === secret?.name ? secret.data[ref.key] : undefined;
    if (stored !== undefined) env[entry.name] = stored;
    else if (!ref.optional) problems.push(`${who}: ${entry.name} needs ${ref.name}/${ref.key}`);
  }
  return { env, problems };
}

/**
 * A service's environment: the ConfigMap its Deployment loads (envFrom), then the Deployment's
 * env entries, which win, as in Kubernetes. `secret` is the Secret the pods can read: the
 * chart's own, or one made elsewhere (existingSecret).
 */
function serviceEnvironment(
  service: DeployedService,
  values: any,
  files: Record<string, string> = chartFiles,
  secret?: SecretData,
): { env: Env; problems: string[] } {
  const chart = new ChartRenderer(files);
  const deployment = rangesOverServices(files['templates/services.yaml'])[0];
  // What follows models envFrom as the ConfigMap only; a whole Secret there would go unseen.
  if (/\bsecretRef:/.test(deployment)) throw new Error('the Deployment loads a whole Secret');
  const configMap = YAML.parse(chart.renderFile('templates/configmap.yaml', values)) as {
    metadata: { name: string };
    data: Record<string, string>;
  };
  const configMapRefs = [...deployment.matchAll(/configMapRef:\s*\n\s*name: (.+)/g)].map((m) =>
    renderForService(chart, m[1].trim(), values, service),
  );
  if (configMapRefs.join() !== configMap.metadata.name)
    throw new Error(`the Deployment loads ${configMapRefs.join()}, not ${configMap.metadata.name}`);

  const envAction = theAction(deployment, /include "tradesage\.env"/);
  const entries = (YAML.parse(renderForService(chart, envAction, values, service)) ??
    []) as EnvVar[];
  const { env, problems } = resolve(entries, secret ?? renderedSecret(chart, values), service);
  return { env: { ...configMap.data, ...env }, problems };
}

const serviceNames = Object.keys(defaultValues.services) as DeployedService[];
const fullname = `${RELEASE}-${chartMeta.name}`;

/** The paths every service's HTTP shell serves (packages/shared/src/http/service.ts). */
const servedPaths = [
  ...read('packages/shared/src/http/service.ts').matchAll(/app\.get\(\s*'([^']+)'/g),
].map((match) => match[1]);

// ---------------------------------------------------------------------------------------------

describe('values.schema.json', () => {
  const validate = new Ajv({ allErrors: true }).compile(
    JSON.parse(readChartFile('values.schema.json')),
  );
  const errors = (values: unknown): string[] =>
    validate(values)
      ? []
      : (validate.errors ?? []).map(
          (error) => `${error.dataPath} ${error.message} ${JSON.stringify(error.params)}`,
        );

  test('accepts values.yaml, and values.yaml with the secrets an install sets', () => {
    expect(errors(defaultValues)).toEqual([]);
    expect(errors(installValues({ ...REQUIRED_SECRETS, ...OPTIONAL_SECRETS }))).toEqual([]);
    expect(errors(withValues((v) => (v.secrets.existingSecret = 'tradesage-vault')))).toEqual([]);
    expect(errors(withValues((v) => (v.pgbouncer.poolMode = 'session')))).toEqual([]);
    expect(errors(withValues((v) => (v.pgbouncer.enabled = false)))).toEqual([]);
  });

  test.each<[string, (values: any) => void, string]>([
    ['no replicas', (v) => (v.services.router.replicas = 0), '.services.router.replicas'],
    ['no image repository', (v) => delete v.image.repository, '"missingProperty":"repository"'],
    ['the latest tag', (v) => (v.image.tag = 'latest'), '.image.tag'],
    ['a tag that is no tag', (v) => (v.image.tag = 'v1 beta'), '.image.tag'],
    ['an unknown pull policy', (v) => (v.image.pullPolicy = 'Sometimes'), '.image.pullPolicy'],
    ['a missing subgraph', (v) => delete v.services.session, '"missingProperty":"session"'],
    ['a port out of range', (v) => (v.services.auth.port = 70000), '.services.auth.port'],
    ['an unknown NODE_ENV', (v) => (v.config.NODE_ENV = 'prod'), '.config.NODE_ENV'],
    ['a setting the chart sets itself', (v) => (v.config.HOST = '127.0.0.1'), 'HOST'],
    ['a secret in the ConfigMap', (v) => (v.config.REDIS_URL = 'redis://r:6379'), 'REDIS_URL'],
    [
      'the secrets keys in the ConfigMap',
      (v) => (v.config.SECRETS_KEYS = REQUIRED_SECRETS.SECRETS_KEYS),
      'SECRETS_KEYS',
    ],
    [
      'a secrets key without its key id',
      (v) => (v.secrets.SECRETS_KEYS = Buffer.alloc(32).toString('base64')),
      '.secrets.SECRETS_KEYS',
    ],
    [
      'a secrets key that is not 32 bytes',
      (v) => (v.secrets.SECRETS_KEYS = `k1:${Buffer.alloc(16).toString('base64')}`),
      '.secrets.SECRETS_KEYS',
    ],
    ['a number in the ConfigMap', (v) => (v.config.DB_POOL_MAX = 20), "['DB_POOL_MAX']"],
    [
      'a DATABASE_URL that is no Postgres URL',
      (v) => (v.secrets.DATABASE_URL = 'mysql://db/x'),
      '.secrets.DATABASE_URL',
    ],
    [
      'running as root',
      (v) => (v.podSecurityContext.runAsNonRoot = false),
      '.podSecurityContext.runAsNonRoot',
    ],
    ['a misspelt section', (v) => (v.autoscalling = { enabled: false }), 'autoscalling'],
    [
      'a PgBouncer pool mode other than transaction or session',
      (v) => (v.pgbouncer.poolMode = 'statement'),
      '.pgbouncer.poolMode',
    ],
    ["PgBouncer's latest tag", (v) => (v.pgbouncer.image.tag = 'latest'), '.pgbouncer.image.tag'],
    ['no PgBouncer port', (v) => delete v.pgbouncer.port, '"missingProperty":"port"'],
    [
      'more tenant-migration concurrency than the script takes',
      (v) => (v.migrations.tenantConcurrency = 65),
      '.migrations.tenantConcurrency',
    ],
  ])('rejects %s', (_, change, where) => {
    const problems = errors(withValues(change));
    expect(problems).not.toEqual([]);
    expect(problems.join('\n')).toContain(where);
  });
});

describe('templates: one of each per service', () => {
  test.each([
    ['templates/services.yaml', 'apps/v1', 'Deployment'],
    ['templates/services.yaml', 'v1', 'Service'],
    ['templates/hpa.yaml', 'autoscaling/v2', 'HorizontalPodAutoscaler'],
    ['templates/pdb.yaml', 'policy/v1', 'PodDisruptionBudget'],
    ['templates/networkpolicy.yaml', 'networking.k8s.io/v1', 'NetworkPolicy'],
  ])('%s makes one %s %s per entry of .Values.services', (file, apiVersion, kind) => {
    const bodies = rangesOverServices(chartFiles[file]);
    const declaring = bodies.filter((body) =>
      new RegExp(`apiVersion: ${apiVersion}\\nkind: ${kind}\\n`).test(body),
    );
    expect(declaring).toHaveLength(1);
    // Named after the service, so that each service's object is distinct.
    expect(declaring[0]).toContain('name: {{ include "tradesage.fullname" $root }}-{{ $name }}');
    expect(chartFiles[file].match(new RegExp(`^kind: ${kind}$`, 'gm'))).toHaveLength(1);
  });

  const deployment = rangesOverServices(chartFiles['templates/services.yaml'])[0];
  const probePath = (probe: string) =>
    new RegExp(`${probe}:\\s*\\n\\s*httpGet: \\{ path: (\\S+), port: http \\}`).exec(
      deployment,
    )?.[1];

  test('liveness (and startup) ask /healthz and readiness /readyz, paths every service serves', () => {
    expect(probePath('livenessProbe')).toBe('/healthz');
    expect(probePath('startupProbe')).toBe('/healthz');
    expect(probePath('readinessProbe')).toBe('/readyz');
    expect(servedPaths).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
  });

  test("the probes' `http` port is the service's port, which its Service targets", () => {
    expect(deployment).toMatch(/- name: http\s*\n\s*containerPort: \{\{ \$svc\.port \}\}/);
    expect(deployment).toMatch(/port: \{\{ \$svc\.port \}\}\s*\n\s*targetPort: http\b/);
  });

  test('.Values.services are the router and the four subgraphs', () => {
    expect([...serviceNames].sort()).toEqual([...DEPLOYED_SERVICES].sort());
  });

  test("each service's entry point exists, and the Deployment runs it with tsx", () => {
    expect(deployment).toContain('command: ["node", "--import", "tsx", {{ $svc.entry | quote }}]');
    for (const name of serviceNames) {
      const entry = defaultValues.services[name].entry as string;
      expect(fs.existsSync(path.join(REPO_ROOT, entry))).toBe(true);
      if (name !== 'router') expect(read(entry)).toContain(`name: '${name}'`);
    }
  });

  test('pods run as non-root on a read-only root filesystem, writing only to /tmp', () => {
    expect(defaultValues.podSecurityContext.runAsNonRoot).toBe(true);
    expect(defaultValues.containerSecurityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(deployment).toMatch(
      /securityContext:\s*\n\s*\{\{- toYaml \$root\.Values\.podSecurityContext /,
    );
    expect(deployment).toMatch(
      /securityContext:\s*\n\s*\{\{- toYaml \$root\.Values\.containerSecurityContext /,
    );
    expect(deployment).toMatch(/- name: tmp\s*\n\s*mountPath: \/tmp/);
  });

  test('the autoscaler scales its own Deployment', () => {
    const hpa = rangesOverServices(chartFiles['templates/hpa.yaml'])[0];
    expect(hpa).toMatch(
      /scaleTargetRef:\s*\n\s*apiVersion: apps\/v1\s*\n\s*kind: Deployment\s*\n\s*name: \{\{ include "tradesage\.fullname" \$root \}\}-\{\{ \$name \}\}/,
    );
  });

  test('the ServiceMonitor scrapes /metrics on the http port of every Service', () => {
    const monitor = chartFiles['templates/servicemonitor.yaml'];
    expect(monitor).toMatch(/^\{\{- if \.Values\.serviceMonitor\.enabled \}\}/);
    expect(monitor).toContain('apiVersion: monitoring.coreos.com/v1');
    expect(monitor).toMatch(/- port: http\s*\n\s*path: \/metrics/);
    expect(monitor).toMatch(/values:\s*\n\s*\{\{- range \$name, \$svc := \.Values\.services \}\}/);
    expect(servedPaths).toContain('/metrics');
  });
});

describe.each(DEPLOYED_SERVICES)("the chart's environment for %s", (service) => {
  const environment = () => serviceEnvironment(service, installValues());

  test('has every setting it needs, and valid ones', () => {
    const { env, problems } = environment();
    expect(problems).toEqual([]);
    expect(environmentProblems(service, env)).toEqual([]);
  });

  test('listens on the port its Deployment and Service expose', () => {
    expect(listeningPort(service, environment().env)).toBe(defaultValues.services[service].port);
  });

  test("verifies tokens with keys of its own, or with auth's JWKS at auth's Service", () => {
    const { env } = environment();
    if (env.JWT_PRIVATE_KEYS) return;
    const url = new URL(env.JWT_JWKS_URL ?? '');
    expect(url.hostname).toBe(`${fullname}-auth`);
    const authEnv = serviceEnvironment('auth', installValues()).env;
    expect(authEnv.JWT_PRIVATE_KEYS).toBeTruthy();
    expect(Number(url.port)).toBe(listeningPort('auth', authEnv));
    expect(servedPaths).toContain(url.pathname);
  });
});

describe('the chart as a whole', () => {
  test("the router's subgraph URLs are the subgraphs' Services and ports", () => {
    const config = loadConfig(serviceEnvironment('router', installValues()).env);
    const servicesTemplate = rangesOverServices(chartFiles['templates/services.yaml'])[0];
    const serviceName = /kind: Service\nmetadata:\n {2}name: (.+)/.exec(servicesTemplate)![1];
    for (const subgraph of ['auth', 'tenant', 'user', 'session'] as const) {
      const chart = new ChartRenderer(chartFiles);
      expect(renderForService(chart, serviceName, installValues(), subgraph)).toBe(
        `${fullname}-${subgraph}`,
      );
      const url = new URL(
        config[`${subgraph.toUpperCase()}_SUBGRAPH_URL` as keyof typeof config] as string,
      );
      expect({ subgraph, host: url.hostname, path: url.pathname }).toEqual({
        subgraph,
        host: `${fullname}-${subgraph}`,
        path: '/graphql',
      });
      const subgraphEnv = serviceEnvironment(subgraph, installValues()).env;
      expect(Number(url.port)).toBe(listeningPort(subgraph, subgraphEnv));
    }
  });

  test('each secret reaches the services that use it, and the signing keys only auth', () => {
    const values = installValues({ ...REQUIRED_SECRETS, ...OPTIONAL_SECRETS });
    const secretsOf = (service: DeployedService) => {
      const { env } = serviceEnvironment(service, values);
      const secretNames = [...Object.keys(REQUIRED_SECRETS), ...Object.keys(OPTIONAL_SECRETS)];
      return secretNames.filter((name) => env[name] !== undefined);
    };
    const holders = (secret: string) => serviceNames.filter((s) => secretsOf(s).includes(secret));
    expect(holders('JWT_PRIVATE_KEYS')).toEqual(['auth']);
    expect(holders('SECRETS_KEYS')).toEqual(['auth']);
    expect(holders('SMTP_URL')).toEqual(['auth']);
    expect(holders('OIDC_CLIENT_SECRET')).toEqual(['auth']);
    expect(holders('BOOTSTRAP_OPERATOR_PASSWORD')).toEqual(['auth']);
    expect(holders('PSEUDONYM_KEY')).toEqual(['auth']);
    expect(holders('S3_SECRET_ACCESS_KEY')).toEqual(['tenant']);
    for (const everyone of ['DATABASE_URL', 'REDIS_URL', 'TENANT_DB_PASSWORD'])
      expect(holders(everyone).sort()).toEqual([...serviceNames].sort());
  });

  test('with existingSecret, no Secret is rendered and every service reads the existing one', () => {
    const values = withValues((v) => (v.secrets.existingSecret = 'tradesage-vault'));
    const chart = new ChartRenderer(chartFiles);
    expect(chart.renderFile('templates/secret.yaml', values).trim()).toBe('');
    // With PgBouncer on (the default), the services read its URL from the existing Secret too.
    const existing = { name: 'tradesage-vault', data: EXISTING_SECRET_DATA };
    for (const service of DEPLOYED_SERVICES) {
      const { env, problems } = serviceEnvironment(service, values, chartFiles, existing);
      expect(problems).toEqual([]);
      expect(environmentProblems(service, env)).toEqual([]);
    }
    // Without the chart's Secret, nothing resolves: the references name the existing one.
    const { problems } = serviceEnvironment('router', values, chartFiles, undefined);
    expect(problems.join('\n')).toContain('needs tradesage-vault/PGBOUNCER_DATABASE_URL');
  });

  test('rendering without the required secrets (and no existingSecret) fails, naming them', () => {
    const chart = new ChartRenderer(chartFiles);
    expect(() => chart.renderFile('templates/secret.yaml', defaultValues)).toThrow(
      'secrets.DATABASE_URL is required',
    );
    // Production auth refuses to start without keys for secrets at rest: so does the install.
    const withoutSecretsKeys = Object.fromEntries(
      Object.entries(REQUIRED_SECRETS).filter(([key]) => key !== 'SECRETS_KEYS'),
    );
    expect(() =>
      chart.renderFile('templates/secret.yaml', installValues(withoutSecretsKeys)),
    ).toThrow('secrets.SECRETS_KEYS is required');
  });

  test("auth's secrets keys are ones it loads in production, and the active one is chosen by config", () => {
    const values = installValues();
    const { env } = serviceEnvironment('auth', values);
    expect(env.NODE_ENV).toBe('production');
    expect(env.SECRETS_KEYS).toBe(REQUIRED_SECRETS.SECRETS_KEYS);
    expect(environmentProblems('auth', env)).toEqual([]);
    // SECRETS_ACTIVE_KEY is no secret: the ConfigMap carries it, and the code checks it names a key.
    values.config.SECRETS_ACTIVE_KEY = '2027-01';
    const unknown = serviceEnvironment('auth', values).env;
    expect(environmentProblems('auth', unknown).join('\n')).toContain(
      'SECRETS_ACTIVE_KEY: "2027-01" is not among the configured keys',
    );
  });

  // The checks above must be able to fail: each of these breaks the chart in one place.
  test.each<[string, string, string, string, DeployedService, string]>([
    [
      'REDIS_URL left out of the Secret',
      'templates/_helpers.tpl',
      'required: [DATABASE_URL, REDIS_URL,',
      'required: [DATABASE_URL,',
      'user',
      'REDIS_URL',
    ],
    [
      "the secrets keys left out of auth's env",
      'templates/_helpers.tpl',
      '    - SECRETS_KEYS\n',
      '',
      'auth',
      'SECRETS_KEYS or SECRETS_KEYS_DIR is not set',
    ],
    [
      "the router's JWKS URL removed",
      'templates/_helpers.tpl',
      '- name: JWT_JWKS_URL',
      '- name: UNUSED_SETTING',
      'router',
      'JWT_JWKS_URL',
    ],
    [
      'HOST removed from the ConfigMap',
      'templates/configmap.yaml',
      'HOST: "0.0.0.0"',
      'UNUSED_SETTING: "0.0.0.0"',
      'session',
      'HOST',
    ],
    [
      'a subgraph URL with a bad port',
      'templates/configmap.yaml',
      'http://%s-%s:%v/graphql',
      'http://%s-%s:port%v/graphql',
      'router',
      'SUBGRAPH_URL',
    ],
  ])('notices %s', (_, file, original, replacement, service, named) => {
    const broken = { ...chartFiles, [file]: chartFiles[file].replace(original, replacement) };
    expect(broken[file]).not.toBe(chartFiles[file]);
    const { env, problems } = serviceEnvironment(service, installValues(), broken);
    expect([...problems, ...environmentProblems(service, env)].join('\n')).toContain(named);
  });

  test('a service port changed in values moves its port setting, URL and JWKS URL with it', () => {
    const values = installValues();
    values.services.auth.port = 5001;
    const authEnv = serviceEnvironment('auth', values).env;
    const routerEnv = serviceEnvironment('router', values).env;
    expect(listeningPort('auth', authEnv)).toBe(5001);
    expect(new URL(routerEnv.AUTH_SUBGRAPH_URL ?? '').port).toBe('5001');
    expect(new URL(routerEnv.JWT_JWKS_URL ?? '').port).toBe('5001');
  });
});

// ---------------------------------------------------------------------------------------------
// PgBouncer (templates/pgbouncer.yaml), run as Kubernetes would run it: the init container's
// script, on its environment from the Secret and its volumes as local directories, writes
// PgBouncer's files, which are then read as PgBouncer reads them.

interface K8sObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
}

/** A template file's objects, as `helm template` would print them. */
function renderObjects(file: string, values: any, files = chartFiles): K8sObject[] {
  const text = new ChartRenderer(files).renderFile(file, values);
  return YAML.parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`);
      return document.toJSON() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

interface Container {
  name: string;
  command?: string[];
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: unknown;
}

/** Where a container's path is, with each volume at a local directory. */
function localPath(container: Container, volumes: Record<string, string>, target: string): string {
  const mount = (container.volumeMounts ?? []).find(
    (candidate) => target === candidate.mountPath || target.startsWith(`${candidate.mountPath}/`),
  );
  if (!mount) throw new Error(`${container.name}: nothing is mounted at ${target}`);
  return path.join(volumes[mount.name], path.relative(mount.mountPath, target));
}

const pgbouncerName = `${fullname}-pgbouncer`;

interface PgBouncerRun {
  objects: K8sObject[];
  ini: Ini;
  users: Map<string, string>;
  problems: string[];
}

/**
 * PgBouncer as the chart runs it, and what does not fit: its objects, the files its init
 * container writes, and whether every service reaches it, on a database it forwards to the
 * Postgres of DATABASE_URL, with logins it accepts. `existing`: an existingSecret's contents.
 */
function runPgBouncer(values: any, files = chartFiles, existing?: SecretData): PgBouncerRun {
  const problems: string[] = [];
  const objects = renderObjects('templates/pgbouncer.yaml', values, files);
  const run: PgBouncerRun = { objects, ini: {}, users: new Map(), problems };
  const one = (kind: string) => {
    const found = objects.filter((object) => object.kind === kind);
    if (found.length !== 1 || found[0].metadata.name !== pgbouncerName)
      problems.push(`pgbouncer.yaml: ${found.length} ${kind}(s), not one named ${pgbouncerName}`);
    return found[0];
  };
  const [configMap, deployment, service] = ['ConfigMap', 'Deployment', 'Service'].map(one);
  if (problems.length > 0) return run;

  const pod = deployment.spec.template;
  const matches = (selector: Record<string, string>) =>
    Object.entries(selector).every(([key, value]) => pod.metadata.labels[key] === value);
  if (!matches(service.spec.selector) || !matches(deployment.spec.selector.matchLabels))
    problems.push("PgBouncer's Service or Deployment selector does not pick its pods");
  const [init] = (pod.spec.initContainers ?? []) as Container[];
  const [main] = pod.spec.containers as Container[];
  const servicePort = service.spec.ports[0] as { port: number; targetPort: string | number };
  const listening = main.ports?.find(
    (port) => port.name === servicePort.targetPort || port.containerPort === servicePort.targetPort,
  )?.containerPort;

  const chart = new ChartRenderer(files);
  const secret = existing ?? renderedSecret(chart, values);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-helm-pgbouncer-'));
  try {
    if (!init) throw new Error('no init container writes the configuration');
    const volumes: Record<string, string> = {};
    for (const volume of pod.spec.volumes as { name: string; configMap?: { name: string } }[]) {
      volumes[volume.name] = path.join(dir, volume.name);
      fs.mkdirSync(volumes[volume.name]);
      if (volume.configMap?.name === configMap.metadata.name)
        for (const [key, text] of Object.entries(configMap.data ?? {}))
          fs.writeFileSync(path.join(volumes[volume.name], key), text);
    }
    const resolved = resolve(init.env ?? [], secret, 'pgbouncer');
    problems.push(...resolved.problems);
    const [program, ...args] = init.command ?? [];
    if (program !== 'node') throw new Error(`the init container runs ${program}, not node`);
    const env = Object.fromEntries(
      Object.entries(resolved.env).filter((entry): entry is [string, string] => !!entry[1]),
    );
    execFileSync(
      process.execPath,
      args.map((arg) => (arg.startsWith('/') ? localPath(init, volumes, arg) : arg)),
      { env: { PATH: process.env.PATH, ...env }, stdio: 'pipe' },
    );

    // PgBouncer, on what the init container wrote.
    const [binary, iniPath] = main.command ?? [];
    if (binary !== 'pgbouncer') throw new Error(`the container runs ${binary}, not pgbouncer`);
    run.ini = parseIni(fs.readFileSync(localPath(main, volumes, iniPath), 'utf8'));
    const settings = run.ini.pgbouncer ?? {};
    run.users = parseUserlist(
      fs.readFileSync(localPath(main, volumes, settings.auth_file ?? ''), 'utf8'),
    );
    const expected: Record<string, string> = {
      pool_mode: values.pgbouncer.poolMode,
      default_pool_size: String(values.pgbouncer.poolSize),
      max_client_conn: String(values.pgbouncer.maxClientConn),
      max_db_connections: String(values.pgbouncer.maxDbConnections),
      listen_port: String(listening),
      // TCP only: a socket file would need a writable /tmp.
      unix_socket_dir: '',
    };
    for (const [key, value] of Object.entries(expected))
      if (settings[key] !== value)
        problems.push(`pgbouncer.ini: ${key} = ${settings[key]}, not ${value}`);
    const ignored = (settings.ignore_startup_parameters ?? '').split(',').map((p) => p.trim());
    for (const parameter of ['extra_float_digits', 'options'])
      if (!ignored.includes(parameter))
        problems.push(`pgbouncer.ini: ignore_startup_parameters leaves out ${parameter}`);
    if (!['scram-sha-256', 'md5'].includes(settings.auth_type))
      problems.push(`pgbouncer.ini: auth_type ${settings.auth_type} checks no password`);

    // It forwards to the Postgres of DATABASE_URL, with the URL's sslmode.
    const postgres = new URL(secret?.data.DATABASE_URL ?? '');
    const postgresDatabase = decodeURIComponent(postgres.pathname.slice(1));
    const upstream = connectionParameters(run.ini.databases?.[postgresDatabase] ?? '');
    const wanted = {
      host: postgres.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: postgres.port || '5432',
      dbname: postgresDatabase,
    };
    if (JSON.stringify(upstream) !== JSON.stringify(wanted))
      problems.push(
        `pgbouncer.ini: ${JSON.stringify(upstream)} is not Postgres's ${JSON.stringify(wanted)}`,
      );
    const sslmode = postgres.searchParams.get('sslmode') ?? 'prefer';
    if (settings.server_tls_sslmode !== sslmode)
      problems.push(
        `pgbouncer.ini: server_tls_sslmode ${settings.server_tls_sslmode}, not ${sslmode}`,
      );

    // Every service reaches it, with logins it accepts: Postgres's own.
    for (const name of serviceNames) {
      const environment = serviceEnvironment(name, values, files, existing);
      problems.push(...environment.problems);
      const config = loadConfig(environment.env);
      const url = new URL(config.DATABASE_URL);
      if (url.hostname !== service.metadata.name || Number(url.port) !== servicePort.port)
        problems.push(`${name}: DATABASE_URL is at ${url.host}, not PgBouncer's Service`);
      // PgBouncer serves the services no TLS: an sslmode for Postgres would fail there.
      if (url.search) problems.push(`${name}: DATABASE_URL to PgBouncer has ${url.search}`);
      const database = decodeURIComponent(url.pathname.slice(1));
      if (database !== postgresDatabase) problems.push(`${name}: database ${database}`);
      const logins: [string, string | undefined][] = [
        [decodeURIComponent(url.username), decodeURIComponent(url.password)],
        [config.TENANT_DB_USER, config.TENANT_DB_PASSWORD],
      ];
      if (logins[0][0] !== decodeURIComponent(postgres.username))
        problems.push(`${name}: logs in as ${logins[0][0]}, not as DATABASE_URL's user`);
      for (const [user, password] of logins)
        if (password !== undefined && run.users.get(user) !== password)
          problems.push(`${name}: PgBouncer does not accept ${user} with the password it uses`);
    }
  } catch (error) {
    const { message, stderr } = error as Error & { stderr?: Buffer };
    problems.push(`PgBouncer: ${stderr?.toString().trim() || message}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return run;
}

describe('PgBouncer', () => {
  const allSecrets = () => installValues({ ...REQUIRED_SECRETS, ...OPTIONAL_SECRETS });

  test('is on by default, in transaction mode, and every service goes through it', () => {
    expect(defaultValues.pgbouncer.enabled).toBe(true);
    expect(defaultValues.pgbouncer.poolMode).toBe('transaction');
    const { problems, ini, users } = runPgBouncer(allSecrets());
    expect(problems).toEqual([]);
    expect(ini.pgbouncer.pool_mode).toBe('transaction');
    // The service login and the tenant login.
    expect([...users.keys()].sort()).toEqual(['tradesage', 'tradesage_tenant']);
  });

  test('its settings and logins follow the values', () => {
    const values = allSecrets();
    Object.assign(values.pgbouncer, {
      port: 7432,
      poolMode: 'session',
      poolSize: 7,
      maxDbConnections: 0,
      maxClientConn: 123,
    });
    values.config.TENANT_DB_USER = 'tenant_login';
    values.secrets.DATABASE_URL =
      'postgresql://svc:p%40ss%22w@[fd00::5]:5433/app_db?sslmode=require';
    const { problems, ini, users } = runPgBouncer(values);
    expect(problems).toEqual([]);
    expect(ini.pgbouncer.pool_mode).toBe('session');
    expect(ini.pgbouncer.server_tls_sslmode).toBe('require');
    expect(users.get('svc')).toBe('p@ss"w');
    expect(users.get('tenant_login')).toBe(OPTIONAL_SECRETS.TENANT_DB_PASSWORD);
  });

  test('without TENANT_DB_PASSWORD, only the service login is in the userlist', () => {
    const { problems, users } = runPgBouncer(installValues());
    expect(problems).toEqual([]);
    expect([...users.keys()]).toEqual(['tradesage']);
  });

  test('with existingSecret, it reads the existing Secret, as the services do', () => {
    const values = withValues((v) => (v.secrets.existingSecret = 'tradesage-vault'));
    const existing = { name: 'tradesage-vault', data: EXISTING_SECRET_DATA };
    expect(runPgBouncer(values, chartFiles, existing).problems).toEqual([]);
  });

  test('off: nothing of it renders, and the services use DATABASE_URL itself', () => {
    const values = withValues((v) => {
      Object.assign(v.secrets, REQUIRED_SECRETS);
      v.pgbouncer.enabled = false;
    });
    const chart = new ChartRenderer(chartFiles);
    expect(chart.renderFile('templates/pgbouncer.yaml', values).trim()).toBe('');
    expect(renderedSecret(chart, values)?.data).not.toHaveProperty('PGBOUNCER_DATABASE_URL');
    for (const service of DEPLOYED_SERVICES) {
      const { env, problems } = serviceEnvironment(service, values);
      expect(problems).toEqual([]);
      expect(env.DATABASE_URL).toBe(REQUIRED_SECRETS.DATABASE_URL);
    }
  });

  test('the migration Job goes to Postgres itself: its hook runs before PgBouncer exists', () => {
    const job = chartFiles['templates/migrate-job.yaml'];
    const actions = [...job.matchAll(/\{\{-?\s*include "tradesage\.migrateEnv"[^}]*\}\}/g)];
    expect(actions.length).toBeGreaterThan(0);
    const chart = new ChartRenderer(chartFiles);
    const hookSecret = { name: 'hook-secret', data: REQUIRED_SECRETS };
    for (const [action] of actions) {
      const rendered = chart.renderSnippet(action, allSecrets(), { $secretName: hookSecret.name });
      const { env, problems } = resolve(YAML.parse(rendered) as EnvVar[], hookSecret, 'migrate');
      expect(problems).toEqual([]);
      expect(env.DATABASE_URL).toBe(REQUIRED_SECRETS.DATABASE_URL);
    }
  });

  test('its pods run like the services: non-root, read-only root filesystem, passwords in memory', () => {
    const values = allSecrets();
    const { objects } = runPgBouncer(values);
    const pod = objects.find((object) => object.kind === 'Deployment')!.spec.template.spec;
    expect(pod.securityContext).toEqual(values.podSecurityContext);
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const container of [...pod.initContainers, ...pod.containers] as Container[])
      expect({ name: container.name, context: container.securityContext }).toEqual({
        name: container.name,
        context: values.containerSecurityContext,
      });
    const main = pod.containers[0] as Container;
    expect(main.volumeMounts?.every((mount) => mount.readOnly)).toBe(true);
    const config = pod.volumes.find((volume: { emptyDir?: unknown }) => volume.emptyDir);
    expect(config.emptyDir.medium).toBe('Memory');
  });

  test('its network policy lets the services in, on its port, and nothing else', () => {
    const { objects } = runPgBouncer(allSecrets());
    const policy = objects.find((object) => object.kind === 'NetworkPolicy')!;
    const deployment = objects.find((object) => object.kind === 'Deployment')!;
    expect(policy.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(policy.spec.ingress).toHaveLength(1);
    const [rule] = policy.spec.ingress;
    const portNames = deployment.spec.template.spec.containers[0].ports.map(
      (port: { name: string }) => port.name,
    );
    expect(rule.ports.map((port: { port: string }) => port.port)).toEqual(portNames);
    const [peer] = rule.from;
    expect(peer.podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'tradesage',
      'app.kubernetes.io/instance': RELEASE,
    });
    expect(peer.podSelector.matchExpressions).toEqual([
      { key: 'app.kubernetes.io/component', operator: 'In', values: [...serviceNames].sort() },
    ]);
    const without = withValues((v) => {
      Object.assign(v.secrets, REQUIRED_SECRETS);
      v.networkPolicy.enabled = false;
    });
    expect(runPgBouncer(without).objects.map((object) => object.kind)).not.toContain(
      'NetworkPolicy',
    );
  });

  // The checks above must be able to fail: each of these breaks the chart in one place.
  test.each<[string, string, string, string, string]>([
    [
      'session pooling written in',
      'templates/_helpers.tpl',
      'pool_mode = {{ .Values.pgbouncer.poolMode }}',
      'pool_mode = session',
      'pool_mode = session, not transaction',
    ],
    [
      'options no longer ignored',
      'templates/_helpers.tpl',
      'ignore_startup_parameters = extra_float_digits,options',
      'ignore_startup_parameters = extra_float_digits',
      'leaves out options',
    ],
    [
      "the services' DATABASE_URL left on Postgres",
      'templates/_helpers.tpl',
      '(eq $key "DATABASE_URL") }}PGBOUNCER_DATABASE_URL',
      '(eq $key "UNUSED_SETTING") }}PGBOUNCER_DATABASE_URL',
      "not PgBouncer's Service",
    ],
    [
      'the tenant login left out of the userlist',
      'templates/pgbouncer.yaml',
      'if (env.TENANT_DB_PASSWORD) logins.push(',
      'if (env.UNUSED_SETTING) logins.push(',
      'does not accept tradesage_tenant',
    ],
    [
      'the Service on another port',
      'templates/pgbouncer.yaml',
      'port: {{ $pgb.port }}',
      'port: 5433',
      "not PgBouncer's Service",
    ],
    [
      'PgBouncer forwarding to another database',
      'templates/pgbouncer.yaml',
      'dbname=${database}',
      'dbname=postgres',
      "is not Postgres's",
    ],
  ])('notices %s', (_, file, original, replacement, named) => {
    const broken = { ...chartFiles, [file]: chartFiles[file].replace(original, replacement) };
    expect(broken[file]).not.toBe(chartFiles[file]);
    expect(runPgBouncer(allSecrets(), broken).problems.join('\n')).toContain(named);
  });
});

describe('the migration hook', () => {
  const job = chartFiles['templates/migrate-job.yaml'];
  const packageScripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> })
    .scripts;

  test('runs before install and upgrade, after the hook Secret it reads', () => {
    const hooks = [
      ...job.matchAll(
        /kind: (\w+)[\s\S]*?helm\.sh\/hook: (\S+)\s*\n\s*helm\.sh\/hook-weight: "(-?\d+)"/g,
      ),
    ].map(([, kind, events, weight]) => ({ kind, events, weight: Number(weight) }));
    expect(hooks.map(({ kind, events }) => [kind, events])).toEqual([
      ['Secret', 'pre-install,pre-upgrade'],
      ['Job', 'pre-install,pre-upgrade'],
    ]);
    expect(hooks[0].weight).toBeLessThan(hooks[1].weight);
  });

  test('migrates the control plane, then every tenant, as the npm scripts do', () => {
    // Init containers run first, in order, and each must succeed before the container starts.
    const [init, main] = job.split(/^\s*containers:$/m);
    const initCommand = JSON.parse(/command: (\[.*\])/.exec(init.split('initContainers:')[1])![1]);
    const mainCommand = [.../command:\s*\n((?:\s*- .*\n)+)/.exec(main)![1].matchAll(/- (.+)/g)].map(
      (m) => m[1].trim(),
    );
    expect(initCommand).toEqual(['node', '--import', 'tsx', 'scripts/migrate.ts', 'control']);
    expect(mainCommand.slice(0, 4)).toEqual([
      'node',
      '--import',
      'tsx',
      'scripts/tenants-migrate.ts',
    ]);
    expect(packageScripts['migrate:control']).toBe(`tsx ${initCommand.slice(3).join(' ')}`);
    expect(packageScripts['tenants:migrate']).toBe(`tsx ${mainCommand[3]}`);
    expect(mainCommand.slice(4, 5)).toEqual(['--concurrency']);
    expect(read('scripts/tenants-migrate.ts')).toContain("'--concurrency'");
  });

  test('both containers get the settings and the database URL, not from the ConfigMap', () => {
    const actions = [...job.matchAll(/\{\{-?\s*include "tradesage\.migrateEnv"[^}]*\}\}/g)];
    expect(actions).toHaveLength(2);
    const values = installValues();
    const chart = new ChartRenderer(chartFiles);
    const rendered = chart.renderSnippet(actions[0][0], values, { $secretName: 'hook-secret' });
    const entries = YAML.parse(rendered) as EnvVar[];
    const secret = { name: 'hook-secret', data: REQUIRED_SECRETS };
    const { env, problems } = resolve(entries, secret, 'migrate');
    expect(problems).toEqual([]);
    const config = loadConfig(env);
    expect(config.DATABASE_URL).toBe(REQUIRED_SECRETS.DATABASE_URL);
    expect(config.CONTROL_SCHEMA).toBe(defaultValues.config.CONTROL_SCHEMA);
    expect(config.NODE_ENV).toBe('production');
    expect(job).not.toContain('configMapRef');
  });
});

describe('the Grafana dashboard', () => {
  const template = chartFiles['templates/dashboard.yaml'];

  test('is an optional ConfigMap for the sidecar, with dashboards/tradesage.json in it', () => {
    expect(template).toMatch(/^\{\{- if \.Values\.grafanaDashboard\.enabled \}\}/);
    expect(typeof defaultValues.grafanaDashboard.enabled).toBe('boolean');
    expect(template).toMatch(/^kind: ConfigMap$/m);
    expect(template).toMatch(/^\s+grafana_dashboard: "1"$/m);
    const files = [...template.matchAll(/\.Files\.Get "([^"]+)"/g)].map((m) => m[1]);
    expect(files).toEqual(['dashboards/tradesage.json']);
    expect(() => JSON.parse(readChartFile(files[0]))).not.toThrow();
  });
});
