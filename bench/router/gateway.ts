/**
 * The three gateways of the benchmark, each run as its own process:
 * `node --import tsx bench/router/gateway.ts <router|stock|hive> <supergraph file> <port>`.
 *
 * - router: this repository's router, configured by the environment (as `npm start` runs it).
 * - stock: a plain ApolloServer with an ApolloGateway on the supergraph, nothing else.
 * - hive: @graphql-hive/gateway-runtime's gateway on the same supergraph, with its defaults.
 *
 * tsx turns on source maps, which make every `new Error().stack` (some HTTP agents take one per
 * request) many times dearer; they are turned off again, so that no gateway pays for the runner.
 * Each prints `ready` once it listens on http://127.0.0.1:<port>/graphql.
 */
import { readFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { loadConfigOrExit } from '@tradesage/shared';
import { startRouter } from '../../router/src/server';

/**
 * Loaded without its types: graphql-yoga's typings redeclare graphql's error extensions for the
 * whole program (their `http.headers` is a record, Apollo Server's is a Map).
 */
const HIVE_RUNTIME: string = '@graphql-hive/gateway-runtime';
interface HiveRuntime {
  createGatewayRuntime(options: { supergraph: string; logging: boolean }): RequestListener;
}

async function main() {
  const [kind, supergraphPath, portText] = process.argv.slice(2);
  const port = Number(portText);
  process.setSourceMapsEnabled(false);
  const supergraphSdl = readFileSync(supergraphPath, 'utf8');
  if (kind === 'router') {
    const config = loadConfigOrExit();
    await startRouter({ ...config, SUPERGRAPH_PATH: supergraphPath }, { port });
  } else if (kind === 'stock') {
    const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
    await startStandaloneServer(server, { listen: { host: '127.0.0.1', port } });
  } else if (kind === 'hive') {
    const { createGatewayRuntime } = (await import(HIVE_RUNTIME)) as HiveRuntime;
    const gateway = createGatewayRuntime({ supergraph: supergraphSdl, logging: false });
    await new Promise<void>((resolve) =>
      createServer(gateway).listen(port, '127.0.0.1', () => resolve()),
    );
  } else {
    throw new Error(`unknown gateway: ${kind}`);
  }
  // Exits cleanly, so that a CPU profile (BENCH_CPU_PROFILE_DIR) is written.
  process.once('SIGTERM', () => process.exit(0));
  process.stdout.write('ready\n');
}

void main();
