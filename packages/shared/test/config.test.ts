import { ConfigError, loadConfig, subgraphPort, subgraphUrl, SUBGRAPH_NAMES } from '../src';

/** Calls loadConfig and returns the ConfigError it throws, failing the test if it does not. */
function configErrorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig accepted an invalid environment');
}

describe('loadConfig', () => {
  test('an empty environment gives defaults for local development', () => {
    const config = loadConfig({});
    expect(config.NODE_ENV).toBe('development');
    expect(new URL(config.DATABASE_URL)).toMatchObject({
      protocol: 'postgres:',
      hostname: '127.0.0.1',
      port: '5432',
    });
    expect(new URL(config.REDIS_URL)).toMatchObject({
      protocol: 'redis:',
      hostname: '127.0.0.1',
      port: '6379',
    });
    expect(config.CONTROL_SCHEMA).toBe('control');
    expect(config.JWT_JWKS).toBeUndefined();
    expect(config.ROUTER_PORT).toBe(4000);
    expect(SUBGRAPH_NAMES.map((name) => subgraphPort(config, name))).toEqual([
      4001, 4002, 4003, 4004,
    ]);
    expect(SUBGRAPH_NAMES.map((name) => new URL(subgraphUrl(config, name)).port)).toEqual([
      '4001',
      '4002',
      '4003',
      '4004',
    ]);
  });

  test('takes values from the env object it is given, coercing numbers', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DB_POOL_MAX: '25',
      ROUTER_PORT: '8080',
      SESSION_PORT: '0',
      CONTROL_SCHEMA: 'control_v2',
      DATABASE_URL: 'postgres://app@db.internal:6543/prod',
    });
    expect(config).toMatchObject({
      NODE_ENV: 'production',
      DB_POOL_MAX: 25,
      ROUTER_PORT: 8080,
      SESSION_PORT: 0,
      CONTROL_SCHEMA: 'control_v2',
      DATABASE_URL: 'postgres://app@db.internal:6543/prod',
    });
    // Unset variables keep their defaults.
    expect(config.AUTH_PORT).toBe(4001);
  });

  test('production refuses the embedded stand-ins, naming both settings; development takes them', () => {
    const embedded = { REDIS_URL: 'memory://tradesage', DATABASE_SESSIONS: 'single' };
    const error = configErrorOf({ NODE_ENV: 'production', ...embedded });
    expect(error.problems).toEqual([
      'REDIS_URL: the in-process Redis (memory:) is for development only',
      'DATABASE_SESSIONS: single (embedded PostgreSQL) is for development only',
    ]);
    expect(loadConfig({ NODE_ENV: 'development', ...embedded })).toMatchObject(embedded);
  });

  test('names every invalid variable in one ConfigError', () => {
    const error = configErrorOf({
      DB_POOL_MAX: 'abc',
      ROUTER_PORT: '99999',
      DATABASE_URL: 'not-a-url',
      CONTROL_SCHEMA: 'Bad-Name',
    });
    expect(error.name).toBe('ConfigError');
    const named = error.problems.map((problem) => problem.split(':')[0]).sort();
    expect(named).toEqual(['CONTROL_SCHEMA', 'DATABASE_URL', 'DB_POOL_MAX', 'ROUTER_PORT']);
    for (const variable of named) expect(error.message).toContain(variable);
  });

  test('leaves valid variables out of the ConfigError', () => {
    const error = configErrorOf({ ROUTER_PORT: '-1', AUTH_PORT: '4101', LOG_LEVEL: 'loud' });
    expect(error.problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'LOG_LEVEL',
      'ROUTER_PORT',
    ]);
    expect(error.message).not.toContain('AUTH_PORT');
  });

  test.each([
    ['not JSON', 'nope'],
    ['no keys', '{}'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['keys not an array', '{"keys":{}}'],
    ['an empty key set', '{"keys":[]}'],
    ['a key without kty', '{"keys":[1]}'],
  ])('refuses JWT_JWKS that is not a JWKS document (%s), naming JWT_JWKS', (_label, jwks) => {
    const error = configErrorOf({ JWT_JWKS: jwks });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^JWT_JWKS: /);
    expect(error.message).toContain('JWT_JWKS');
  });

  test('names JWT_JWKS together with every other invalid variable', () => {
    const error = configErrorOf({ DB_POOL_MAX: 'abc', JWT_JWKS: 'nope' });
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual(['DB_POOL_MAX', 'JWT_JWKS']);
  });

  test.each(['ROUTER_PORT', 'DB_POOL_MAX', 'TENANT_DIRECTORY_TTL_MS'])(
    'refuses a blank %s instead of reading it as 0',
    (name) => {
      const error = configErrorOf({ [name]: '  ' });
      expect(error.problems).toEqual([`${name}: must not be empty`]);
    },
  );

  test('accepts JWT_JWKS that is a JWKS document', () => {
    const jwks = JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }] });
    expect(loadConfig({ JWT_JWKS: jwks }).JWT_JWKS).toBe(jwks);
  });

  test('session settings: an unknown limit policy, and a touch interval not below the idle timeout', () => {
    expect(
      configErrorOf({ SESSION_LIMIT_POLICY: 'drop-newest' }).problems.map((p) => p.split(':')[0]),
    ).toEqual(['SESSION_LIMIT_POLICY']);
    const slow = configErrorOf({
      SESSION_IDLE_TTL_SECONDS: '300',
      SESSION_TOUCH_INTERVAL_SECONDS: '300',
    });
    expect(slow.problems).toEqual([expect.stringMatching(/^SESSION_TOUCH_INTERVAL_SECONDS: /)]);
    expect(loadConfig({}).SESSION_LIMIT_POLICY).toBe('evict-oldest');
  });
});
