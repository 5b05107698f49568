/**
 * The user subgraph is killed (SIGKILL) under light load and started again 5 s later. While it
 * is down the router answers what the other subgraphs can: partial data, with a coded error for
 * the user subgraph's fields.
 */
import {
  createLoadUsers,
  note,
  reportFault,
  runFault,
  send,
  startFaultStack,
  succeeded,
  type FaultStack,
} from './support';

let faults: FaultStack;

beforeAll(async () => {
  faults = await startFaultStack('faults_subgraph');
}, 180_000);

afterAll(async () => {
  await faults?.close();
});

/** Two subgraphs in one query: the tenant subgraph's currentTenant, the user subgraph's me. */
const TWO_SUBGRAPHS = 'query TwoSubgraphs { currentTenant { id slug } me { id name } }';

test('subgraph-kill: the router serves partial data while the user subgraph is dead, and recovers once it is back', async () => {
  const { stack } = faults;
  const users = await createLoadUsers(stack, 'subgraph', 5);
  const user = stack.services.user;
  const result = await runFault(faults, {
    name: 'subgraph-kill',
    users,
    inject: () => user.kill('SIGKILL'),
    downMs: 5_000,
    downServices: ['user'],
    async during({ probe }) {
      if (!probe.token) await probe.signIn();
      const answer = await send(stack.routerUrl, 'TwoSubgraphs', TWO_SUBGRAPHS, {
        token: probe.token,
      });
      note(
        `while the user subgraph is down: ${JSON.stringify(answer.data)} ${JSON.stringify(answer.errors?.map((e) => [e.extensions?.code, e.path, e.message]))}`,
      );
      probe.outcomes.push(answer);
      // The live subgraph's data, and a coded error for the dead one's field.
      expect(answer.status).toBe(200);
      expect(answer.data?.currentTenant).toEqual({
        id: probe.user.tenantId,
        slug: probe.user.slug,
      });
      expect(answer.data?.me).toBeNull();
      expect(answer.errors?.length).toBeGreaterThan(0);
      for (const error of answer.errors ?? []) expect(typeof error.extensions?.code).toBe('string');
      // (The gateway reports a failed fetch without a path: the error names no field.)
      // The app's Me is served by the user subgraph at its root: a coded error, no data.
      const me = await send(stack.routerUrl, 'Me', 'query Me { me { id tenant { slug } } }', {
        token: probe.token,
      });
      probe.outcomes.push(me);
      expect(succeeded(me)).toBe(false);
    },
    restore: () => user.start(),
  });
  reportFault(result);
});
