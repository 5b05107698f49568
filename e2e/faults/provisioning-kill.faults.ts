/**
 * The tenant subgraph is killed (SIGKILL) in the middle of a CreateTenant, under light load, at
 * two points: inside the transaction that builds the tenant's schema, and after that transaction
 * committed but before the directory row became ACTIVE. The design (provisioning.ts,
 * docs/operations.md "Provisioning stuck or failed"): the row stays PROVISIONING, which no token
 * can reach; a retry with the same slug is refused (CONFLICT) while the run might still be going,
 * and five minutes after it began a retry reclaims the slug, dropping whatever schema and role the
 * dead run left, and provisions from scratch.
 *
 * Each point is reached deterministically: a trigger makes the provisioning connection wait for a
 * lock the test holds, the test kills the subgraph while it waits, then lets go.
 */
import { quoteIdent, tenantRoleName } from '@tradesage/shared';
import { until } from '@tradesage/shared/testing';
import { operation } from '../support/stack';
import {
  answerProblem,
  createLoadUsers,
  createTenant as createTenantThrough,
  note,
  pauseProvisioningAt,
  operatorToken,
  reportFault,
  runFault,
  send,
  startFaultStack,
  succeeded,
  type FaultResult,
  type FaultStack,
  type Outcome,
  type ProvisioningPoint,
} from './support';

let faults: FaultStack;

beforeAll(async () => {
  faults = await startFaultStack('faults_provisioning');
}, 180_000);

afterAll(async () => {
  await faults?.close();
});

const PASSWORD = 'crash owner long password';

interface Row {
  id: string;
  status: string;
  schemaName: string;
}

async function directoryRow(slug: string): Promise<Row | undefined> {
  const { rows } = await faults.stack.admin.query<Row>(
    'SELECT id, status, schema_name AS "schemaName" FROM control.tenants WHERE slug = $1',
    [slug],
  );
  return rows[0];
}

/** Whether the schema and the role of a tenant schema name exist. */
async function traces(schemaName: string): Promise<{ schema: boolean; role: boolean }> {
  const { rows } = await faults.stack.admin.query<{ schema: boolean; role: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS role`,
    [schemaName, tenantRoleName(schemaName)],
  );
  return rows[0];
}

const createTenant = (operator: string, slug: string) =>
  createTenantThrough(faults.stack, operator, slug, PASSWORD);

/** The new tenant's owner signs in and reads `Me`: the tenant is usable. */
async function usable(slug: string): Promise<boolean> {
  const { routerUrl } = faults.stack;
  const login = await send(routerUrl, 'Login', operation('Login'), {
    variables: { input: { tenantSlug: slug, email: `owner@${slug}.test`, password: PASSWORD } },
  });
  if (!succeeded(login)) return false;
  const me = await send(routerUrl, 'Me', operation('Me'), { token: login.data.login.accessToken });
  return succeeded(me) && me.data.me.tenant.slug === slug && me.data.me.tenant.status === 'ACTIVE';
}

/** One kill at one point, under load, and what the slug looks like afterwards. */
async function killDuringProvisioning(
  point: ProvisioningPoint,
  users: Awaited<ReturnType<typeof createLoadUsers>>,
): Promise<FaultResult> {
  const { stack } = faults;
  const tenant = stack.services.tenant;
  const slug = `crash-at-${point}`;
  const operator = await operatorToken(stack);
  let interrupted: Outcome | undefined;
  let recoveries = 0;
  return runFault(faults, {
    name: `provisioning-kill-at-${point}`,
    users,
    downServices: ['tenant'],
    async inject() {
      const pause = await pauseProvisioningAt(stack, point);
      const answer = createTenant(operator, slug);
      const waiter = await pause.waiter();
      const row = await directoryRow(slug);
      expect(row?.status).toBe('PROVISIONING');
      expect(await traces(row!.schemaName)).toEqual(
        // Inside the schema transaction nothing is visible yet; after it, both are there.
        point === 'schema' ? { schema: false, role: false } : { schema: true, role: true },
      );
      await tenant.kill('SIGKILL');
      if (point === 'activation')
        // The process died before its UPDATE reached Postgres (had it been sent, Postgres would
        // commit it: the tenant would be ACTIVE, which is consistent too). Ending the session
        // that waits makes it so: its UPDATE is rolled back.
        await stack.admin.query('SELECT pg_terminate_backend($1)', [waiter]);
      await pause.release();
      // The connection of the dead process goes: its schema transaction rolls back.
      await until(
        async () =>
          (await stack.admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [waiter]))
            .rowCount === 0,
        'the dead provisioning connection is gone',
        { timeoutMs: 15_000 },
      );
      interrupted = await answer;
      note(
        `interrupted CreateTenant: HTTP ${interrupted.status} ${JSON.stringify(interrupted.errors?.map((e) => [e.extensions?.code, e.message]))}`,
      );
    },
    async during() {
      // The operator was told, with a code, that it did not work.
      expect(interrupted && answerProblem(interrupted)).toBeUndefined();
      expect(succeeded(interrupted!)).toBe(false);
    },
    downMs: 3_000,
    restore: () => tenant.start(),
    // Recovered: tenants can be created again (and the probe's sign-in, Me and write work).
    recovered: async () =>
      succeeded(await createTenant(operator, `recovery-${point}-${++recoveries}`)),
    async after() {
      const row = await directoryRow(slug);
      note(
        `after the restart: ${JSON.stringify(row)}, ${JSON.stringify(row && (await traces(row.schemaName)))}`,
      );
      expect(row).toBeDefined();
      const { id, status, schemaName } = row!;
      if (status === 'ACTIVE') {
        // Fully provisioned: usable, and the slug is taken.
        expect(await usable(slug)).toBe(true);
        expect((await createTenant(operator, slug)).codes).toEqual(['CONFLICT']);
        return;
      }
      // Marked: PROVISIONING, which nobody can sign in to...
      expect(status).toBe('PROVISIONING');
      expect(await traces(schemaName)).toEqual(
        point === 'schema' ? { schema: false, role: false } : { schema: true, role: true },
      );
      const login = await send(stack.routerUrl, 'Login', operation('Login'), {
        variables: { input: { tenantSlug: slug, email: `owner@${slug}.test`, password: PASSWORD } },
      });
      expect(login.codes).toEqual(['UNAUTHENTICATED']);
      // ...that operators see (the runbook's first step)...
      const listed = await send(stack.routerUrl, 'Tenants', operation('Tenants'), {
        token: operator,
        variables: { status: 'PROVISIONING', first: 50 },
      });
      expect(listed.data?.tenants.edges.map((edge: any) => edge.node.slug)).toContain(slug);
      // ...whose slug a retry at once does not take over: the run might still be going.
      const retry = await createTenant(operator, slug);
      note(
        `retry at once: ${JSON.stringify(retry.errors?.map((e) => [e.extensions?.code, e.message]))}`,
      );
      expect(retry.codes).toEqual(['CONFLICT']);
      expect(retry.errors?.[0].extensions).toMatchObject({ field: 'slug', reason: 'PROVISIONING' });
      // Five minutes after the run began (the clock moved for the test), a retry reclaims it.
      await stack.admin.query(
        `UPDATE control.tenants SET created_at = created_at - interval '6 minutes' WHERE id = $1`,
        [id],
      );
      const reclaimed = await createTenant(operator, slug);
      expect(answerProblem(reclaimed)).toBeUndefined();
      expect(reclaimed.data?.createTenant?.tenant).toMatchObject({ slug, status: 'ACTIVE' });
      expect(reclaimed.data.createTenant.tenant.id).not.toBe(id);
      // Nothing of the dead run is left: no row, no schema, no role.
      expect((await directoryRow(slug))?.id).toBe(reclaimed.data.createTenant.tenant.id);
      expect(await traces(schemaName)).toEqual({ schema: false, role: false });
      const { rows } = await stack.admin.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [
        (await directoryRow(slug))!.schemaName,
      ]);
      expect(rows).toHaveLength(1);
      expect(await usable(slug)).toBe(true);
      note(
        `slug ${slug} reclaimed: tenant ${reclaimed.data.createTenant.tenant.id} ACTIVE and usable; schema ${quoteIdent(schemaName)} and its role dropped`,
      );
    },
  });
}

test('provisioning-kill: a tenant subgraph killed mid-CreateTenant leaves a consistent, retryable tenant', async () => {
  const users = await createLoadUsers(faults.stack, 'provisioning', 5);
  const inside = await killDuringProvisioning('schema', users);
  const after = await killDuringProvisioning('activation', users);
  note(
    `killed inside the schema transaction: recovered in ${inside.recoveredMs} ms; after it: ${after.recoveredMs} ms`,
  );
  reportFault({
    name: 'provisioning-kill',
    recoveredMs: Math.max(inside.recoveredMs, after.recoveredMs),
    acknowledged: inside.acknowledged + after.acknowledged,
    lost: inside.lost + after.lost,
  });
});
