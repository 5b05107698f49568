/**
 * Composes the four subgraph SDL files into schema/supergraph.graphql with @apollo/composition.
 * `--check` fails instead of writing when the committed file is stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse, type DocumentNode } from 'graphql';
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

if (require.main === module) {
  const target = path.join(REPO_ROOT, 'schema', 'supergraph.graphql');
  const check = process.argv.includes('--check');
  try {
    const sdl = composeSupergraph();
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    if (check) {
      if (current !== sdl) {
        console.error(
          'schema/supergraph.graphql is stale: run `npm run schema:compose` and commit it.',
        );
        process.exit(1);
      }
      console.log('schema/supergraph.graphql is up to date');
    } else {
      fs.writeFileSync(target, sdl);
      console.log(`wrote ${path.relative(REPO_ROOT, target)}`);
    }
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
