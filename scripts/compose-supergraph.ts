/**
 * Composes the four subgraph SDL files into schema/supergraph.graphql with @apollo/composition,
 * and writes its public API schema to schema/api.graphql (for client tooling and codegen).
 * `npm run schema:check` fails when either is stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { parse, printSchema, type DocumentNode, type GraphQLSchema } from 'graphql';
import { loadConfig, REPO_ROOT, SUBGRAPH_NAMES, subgraphUrl } from '@tradesage/shared';

/** One subgraph's SDL and the URL the supergraph names for it. */
export interface SubgraphSource {
  name: string;
  url: string;
  sdl: string;
}

/** The four subgraphs' SDL files (subgraphs/<name>/src/schema.graphql). */
export function readSubgraphs(): SubgraphSource[] {
  const config = loadConfig({});
  return SUBGRAPH_NAMES.map((name) => ({
    name,
    // The URL in the file is only a default: the router takes every subgraph URL from its config.
    url: subgraphUrl(config, name),
    sdl: fs.readFileSync(path.join(REPO_ROOT, 'subgraphs', name, 'src', 'schema.graphql'), 'utf8'),
  }));
}

/** Composes subgraphs with @apollo/composition: the supergraph, or every error, readable. */
export function composeSubgraphs(
  subgraphs: SubgraphSource[],
): { supergraphSdl: string } | { errors: string[] } {
  const parsed: { name: string; url: string; typeDefs: DocumentNode }[] = [];
  const errors: string[] = [];
  for (const { name, url, sdl } of subgraphs) {
    try {
      parsed.push({ name, url, typeDefs: parse(sdl) });
    } catch (error) {
      errors.push(`${name}: ${(error as Error).message}`);
    }
  }
  if (errors.length) return { errors };
  const result = composeServices(parsed);
  if (result.errors) return { errors: result.errors.map((error) => error.message) };
  return { supergraphSdl: result.supergraphSdl };
}

export function composeSupergraph(): string {
  const result = composeSubgraphs(readSubgraphs());
  if ('errors' in result) {
    const report = result.errors.map((error) => `  - ${error}`).join('\n');
    throw new Error(`Composition failed:\n${report}`);
  }
  return result.supergraphSdl;
}

/** The public API schema of a supergraph: what clients see (no federation or @inaccessible parts). */
export function apiSchemaOf(supergraphSdl: string): string {
  return printApiSchema(Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema());
}

/** schema/api.graphql's text for an API schema. */
export function printApiSchema(apiSchema: GraphQLSchema): string {
  return `${printSchema(apiSchema)}\n`;
}

if (require.main === module) {
  try {
    const supergraph = composeSupergraph();
    for (const [file, content] of [
      ['schema/supergraph.graphql', supergraph],
      ['schema/api.graphql', apiSchemaOf(supergraph)],
    ]) {
      fs.writeFileSync(path.join(REPO_ROOT, file), content);
      console.log(`wrote ${file}`);
    }
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
