/**
 * The Helm chart (helm/tradesage), checked without Helm: values.yaml against values.schema.json;
 * a Deployment, Service, autoscaler, disruption budget and network policy per service, probed on
 * the paths the services serve; and each service's environment, as the chart's ConfigMap, Secret
 * and Deployment env give it, against what the code needs (test/support/deployment-env.ts).
 *
 * The settings templates (configmap.yaml, secret.yaml and the env helpers in _helpers.tpl) are
 * rendered by a small Go-template subset below, which throws on anything outside it rather than
 * guess. The other templates are checked as text.
 */
import fs from 'node:fs';
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

const CHART_DIR = path.join(REPO_ROOT, 'helm/tradesage');
const RELEASE = 'demo';

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
  SMTP_URL: 'smtp://mailer:mail-password@smtp.example.com:587',
};
const OPTIONAL_SECRETS = {
  TENANT_DB_PASSWORD: 'tenant-password',
  OIDC_CLIENT_SECRET: 'oidc-secret',
  BOOTSTRAP_OPERATOR_EMAIL: 'ops@tradesage.example',
  BOOTSTRAP_OPERATOR_PASSWORD: 'operator-password',
  S3_ACCESS_KEY_ID: 's3-key',
  S3_SECRET_ACCESS_KEY: 's3-secret',
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
      const body = this.defines.get(name);
      if (!body) throw new Error(`no template named ${name}`);
      return this.run(body, { dot: data, vars: new Map([['$', data]]) });
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
    expect(holders('SMTP_URL')).toEqual(['auth']);
    expect(holders('OIDC_CLIENT_SECRET')).toEqual(['auth']);
    expect(holders('BOOTSTRAP_OPERATOR_PASSWORD')).toEqual(['auth']);
    expect(holders('S3_SECRET_ACCESS_KEY')).toEqual(['tenant']);
    for (const everyone of ['DATABASE_URL', 'REDIS_URL', 'TENANT_DB_PASSWORD'])
      expect(holders(everyone).sort()).toEqual([...serviceNames].sort());
  });

  test('with existingSecret, no Secret is rendered and every service reads the existing one', () => {
    const values = withValues((v) => (v.secrets.existingSecret = 'tradesage-vault'));
    const chart = new ChartRenderer(chartFiles);
    expect(chart.renderFile('templates/secret.yaml', values).trim()).toBe('');
    const existing = { name: 'tradesage-vault', data: REQUIRED_SECRETS };
    for (const service of DEPLOYED_SERVICES) {
      const { env, problems } = serviceEnvironment(service, values, chartFiles, existing);
      expect(problems).toEqual([]);
      expect(environmentProblems(service, env)).toEqual([]);
    }
    // Without the chart's Secret, nothing resolves: the references name the existing one.
    const { problems } = serviceEnvironment('router', values, chartFiles, undefined);
    expect(problems.join('\n')).toContain('needs tradesage-vault/DATABASE_URL');
  });

  test('rendering without the required secrets (and no existingSecret) fails, naming them', () => {
    const chart = new ChartRenderer(chartFiles);
    expect(() => chart.renderFile('templates/secret.yaml', defaultValues)).toThrow(
      'secrets.DATABASE_URL is required',
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
