/**
 * The router reloads the supergraph when its file changes, and keeps serving the current one
 * when the new file is not a valid supergraph.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { loadConfig, REPO_ROOT, SUBGRAPH_NAMES, subgraphUrl } from '@tradesage/shared';
import { until } from '@tradesage/shared/testing';
import { startRouter } from '../src/server';
import { routerConfig } from './support';

/** The supergraph of the four subgraphs, with `extra` added to the session subgraph's SDL. */
function supergraphWith(extra: string): string {
  const config = loadConfig({});
  const result = composeServices(
    SUBGRAPH_NAMES.map((name) => {
      const sdl = fs.readFileSync(
        path.join(REPO_ROOT, 'subgraphs', name, 'src', 'schema.graphql'),
        'utf8',
      );
      return {
        name,
        url: subgraphUrl(config, name),
        typeDefs: parse(name === 'session' ? `${sdl}\n${extra}` : sdl),
      };
    }),
  );
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

async function queryFields(url: string): Promise<string[]> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __schema { queryType { fields { name } } } }' }),
  });
  const body = (await response.json()) as {
    data: { __schema: { queryType: { fields: { name: string }[] } } };
  };
  return body.data.__schema.queryType.fields.map((field) => field.name);
}

test('a changed supergraph file is served without a restart; a broken one is refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supergraph-'));
  const file = path.join(dir, 'supergraph.graphql');
  fs.copyFileSync(path.join(REPO_ROOT, 'schema/supergraph.graphql'), file);
  const router = await startRouter(await routerConfig({ SUPERGRAPH_PATH: file }), { port: 0 });
  try {
    expect(await queryFields(router.url)).not.toContain('sessionServerTime');
    fs.writeFileSync(file, supergraphWith('extend type Query { sessionServerTime: String }'));
    await until(
      async () => (await queryFields(router.url)).includes('sessionServerTime'),
      'the reload',
      {
        intervalMs: 200,
      },
    );

    // Not a supergraph: the router goes on with the last good one.
    fs.writeFileSync(file, 'this is not a supergraph');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await queryFields(router.url)).toContain('sessionServerTime');
  } finally {
    await router.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
