/**
 * `npm run schema:check [-- --base <git ref>]`: the self-hosted equivalent of `rover subgraph
 * check`, offline. Five steps, each reported:
 *
 * 1. compose every subgraph's SDL (@apollo/composition);
 * 2. the committed schema/supergraph.graphql is what that composes to;
 * 3. the API schema against the one at the base revision (@graphql-inspector/core): breaking
 *    changes fail unless schema/breaking-changes.json approves them, each with a reason;
 * 4. every registered client operation (schema/operations/**.graphql) validates;
 * 5. each of them still has a query plan (@apollo/query-planner).
 *
 * The base defaults to origin/main when there is one, else HEAD~1.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { Kind, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { z } from 'zod';
import { REPO_ROOT } from '@tradesage/shared';
import {
  composeSubgraphs,
  printApiSchema,
  readSubgraphs,
  type SubgraphSource,
} from './compose-supergraph';

const SUPERGRAPH_FILE = 'schema/supergraph.graphql';
const API_SCHEMA_FILE = 'schema/api.graphql';
const APPROVALS_FILE = 'schema/breaking-changes.json';
const OPERATIONS_DIR = 'schema/operations';

const approvalsSchema = z.array(
  z.object({
    /** graphql-inspector's change type, e.g. FIELD_REMOVED. */
    type: z.string().min(1),
    /** The schema coordinate it reports, e.g. Query.oldField. */
    path: z.string().min(1),
    reason: z.string().trim().min(10, 'say why the break is acceptable'),
  }),
);
export type BreakingChangeApproval = z.infer<typeof approvalsSchema>[number];

export interface ClientOperationFile {
  /** Where the operations come from (a path, for the report). */
  file: string;
  source: string;
}

export interface SchemaCheckInput {
  subgraphs: SubgraphSource[];
  committedSupergraph?: string;
  /** The committed public API schema (schema/api.graphql). */
  committedApiSchema?: string;
  /** The supergraph at the base revision; none when the base has no supergraph yet. */
  baseSupergraph?: string;
  operations: ClientOperationFile[];
  approvals: BreakingChangeApproval[];
}

export interface CheckStep {
  step: string;
  ok: boolean;
  details: string[];
}

export interface SchemaCheckReport {
  ok: boolean;
  steps: CheckStep[];
}

export async function checkSchema(input: SchemaCheckInput): Promise<SchemaCheckReport> {
  const steps: CheckStep[] = [];
  const report = () => ({ ok: steps.every((step) => step.ok), steps });

  const composed = composeSubgraphs(input.subgraphs);
  if ('errors' in composed) {
    steps.push({ step: 'composition', ok: false, details: composed.errors });
    return report();
  }
  steps.push({ step: 'composition', ok: true, details: [] });
  const supergraph = Supergraph.build(composed.supergraphSdl);
  const api = supergraph.apiSchema();
  const apiSchema = api.toGraphQLJSSchema();

  const stale = [
    [SUPERGRAPH_FILE, input.committedSupergraph, composed.supergraphSdl],
    [API_SCHEMA_FILE, input.committedApiSchema, printApiSchema(apiSchema)],
  ]
    .filter(([, committed, fresh]) => committed !== fresh)
    .map(([file]) => `${file} is stale: run \`npm run schema:compose\` and commit it`);
  steps.push({ step: 'committed supergraph', ok: stale.length === 0, details: stale });

  steps.push(await breakingChanges(input.baseSupergraph, apiSchema, input.approvals));

  const valid: { file: string; name: string; document: DocumentNode }[] = [];
  const invalid: string[] = [];
  for (const { file, source } of input.operations) {
    let document: DocumentNode;
    try {
      document = parse(source);
    } catch (error) {
      invalid.push(`${file}: ${(error as Error).message}`);
      continue;
    }
    const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const name = definition.name?.value ?? '(anonymous)';
      const single: DocumentNode = { kind: Kind.DOCUMENT, definitions: [definition, ...fragments] };
      // Fragments the operation does not use are not its errors.
      const errors = validate(apiSchema, single).filter(
        (error) => !/^Fragment ".*" is never used/.test(error.message),
      );
      if (errors.length)
        invalid.push(...errors.map((error) => `${file} ${name}: ${error.message}`));
      else valid.push({ file, name, document: single });
    }
  }
  steps.push({ step: 'client operations', ok: invalid.length === 0, details: invalid });

  const planner = new QueryPlanner(supergraph);
  const unplanned: string[] = [];
  for (const { file, name, document } of valid) {
    try {
      planner.buildQueryPlan(
        operationFromDocument(api, document, { operationName: name, validate: false }),
      );
    } catch (error) {
      unplanned.push(`${file} ${name}: ${(error as Error).message}`);
    }
  }
  steps.push({ step: 'query plans', ok: unplanned.length === 0, details: unplanned });
  return report();
}

async function breakingChanges(
  baseSupergraph: string | undefined,
  apiSchema: GraphQLSchema,
  approvals: BreakingChangeApproval[],
): Promise<CheckStep> {
  const step = 'breaking changes';
  if (baseSupergraph === undefined)
    return { step, ok: true, details: ['the base revision has no supergraph: nothing to compare'] };
  const baseApi = Supergraph.build(baseSupergraph).apiSchema().toGraphQLJSSchema();
  const changes = await diff(baseApi, apiSchema);
  const details: string[] = [];
  let ok = true;
  for (const change of changes) {
    const level = change.criticality.level;
    const where = `${change.type} ${change.path ?? ''}`.trim();
    if (level !== CriticalityLevel.Breaking) {
      details.push(
        `${level === CriticalityLevel.Dangerous ? 'dangerous' : 'safe'}: ${where}: ${change.message}`,
      );
      continue;
    }
    const approval = approvals.find((a) => a.type === change.type && a.path === change.path);
    if (approval) {
      details.push(`approved breaking: ${where}: ${change.message} (${approval.reason})`);
    } else {
      ok = false;
      details.push(
        `BREAKING, not approved: ${where}: ${change.message} ` +
          `(approve it in ${APPROVALS_FILE}: {"type": "${change.type}", "path": "${change.path ?? ''}", "reason": "…"})`,
      );
    }
  }
  return { step, ok, details };
}

/** The client operations registered in the repository: every .graphql file under schema/operations. */
export function readClientOperations(root = REPO_ROOT): ClientOperationFile[] {
  const dir = path.join(root, OPERATIONS_DIR);
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' });
  return files
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => ({
      file: path.join(OPERATIONS_DIR, file),
      source: fs.readFileSync(path.join(dir, file), 'utf8'),
    }));
}

export function readApprovals(root = REPO_ROOT): BreakingChangeApproval[] {
  const file = path.join(root, APPROVALS_FILE);
  if (!fs.existsSync(file)) return [];
  const parsed = approvalsSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(
      `${APPROVALS_FILE}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** The committed supergraph at a git revision; undefined when that revision has none. */
export function supergraphAt(ref: string, root = REPO_ROOT): string | undefined {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch {
    throw new Error(`schema:check: the base revision ${ref} does not exist here`);
  }
  try {
    return git('show', `${ref}:${SUPERGRAPH_FILE}`);
  } catch {
    return undefined;
  }
}

function defaultBase(root = REPO_ROOT): string {
  try {
    execFileSync('git', ['rev-parse', '--verify', '--quiet', 'origin/main^{commit}'], {
      cwd: root,
      stdio: 'ignore',
    });
    return 'origin/main';
  } catch {
    return 'HEAD~1';
  }
}

async function main(): Promise<void> {
  try {
    const baseIndex = process.argv.indexOf('--base');
    const base = baseIndex === -1 ? defaultBase() : process.argv[baseIndex + 1];
    if (!base) throw new Error('--base needs a git revision');
    const committed = (file: string) => {
      const absolute = path.join(REPO_ROOT, file);
      return fs.existsSync(absolute) ? fs.readFileSync(absolute, 'utf8') : undefined;
    };
    const report = await checkSchema({
      subgraphs: readSubgraphs(),
      committedSupergraph: committed(SUPERGRAPH_FILE),
      committedApiSchema: committed(API_SCHEMA_FILE),
      baseSupergraph: supergraphAt(base),
      operations: readClientOperations(),
      approvals: readApprovals(),
    });
    console.log(`schema:check against ${base}`);
    for (const { step, ok, details } of report.steps) {
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${step}`);
      for (const detail of details) console.log(`       ${detail}`);
    }
    process.exit(report.ok ? 0 : 1);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}

if (require.main === module) void main();
