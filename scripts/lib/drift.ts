/**
 * Drift check: compares what the migrations build in Postgres with what the Prisma schema
 * describes (read from DMMF): tables, columns, types, nullability, primary keys, unique and
 * plain indexes, foreign keys and enums. Each difference is one readable line.
 */
import fs from 'node:fs';
import { getDMMF } from '@prisma/internals';
import type pg from 'pg';
import { withSchema } from '@tradesage/shared';

type Dmmf = Awaited<ReturnType<typeof getDMMF>>;
type Model = Dmmf['datamodel']['models'][number];
type Field = Model['fields'][number];

const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Boolean: 'boolean',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

const NATIVE_TYPES: Record<string, (args: string[]) => string> = {
  Uuid: () => 'uuid',
  Text: () => 'text',
  Inet: () => 'inet',
  Citext: () => 'citext',
  VarChar: (args) => (args.length ? `character varying(${args[0]})` : 'character varying'),
  Char: (args) => `character(${args[0] ?? 1})`,
  Timestamptz: (args) => `timestamp(${args[0] ?? 3}) with time zone`,
  Timestamp: (args) => `timestamp(${args[0] ?? 3}) without time zone`,
  Date: () => 'date',
  SmallInt: () => 'smallint',
  Integer: () => 'integer',
  BigInt: () => 'bigint',
  DoublePrecision: () => 'double precision',
  Real: () => 'real',
  Decimal: (args) => (args.length ? `numeric(${args.join(',')})` : 'numeric'),
  JsonB: () => 'jsonb',
  Json: () => 'json',
  ByteA: () => 'bytea',
};

const FK_ACTIONS: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};
const PRISMA_ACTIONS: Record<string, string> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
};

function columnType(field: Field): string {
  let type: string;
  if (field.kind === 'enum') type = field.type;
  else if (field.nativeType) {
    const [name, args] = field.nativeType as [string, string[]];
    const render = NATIVE_TYPES[name];
    if (!render) throw new Error(`drift check: native type @db.${name} is not mapped`);
    type = render(args);
  } else {
    type = SCALAR_TYPES[field.type];
    if (!type) throw new Error(`drift check: Prisma type ${field.type} is not mapped`);
  }
  return field.isList ? `${type}[]` : type;
}

/** The facts the Prisma schema implies, as canonical lines. */
export async function expectedFromPrisma(prismaSchemaPath: string): Promise<Set<string>> {
  const dmmf = await getDMMF({ datamodel: fs.readFileSync(prismaSchemaPath, 'utf8') });
  const facts = new Set<string>();
  const tableOf = new Map(dmmf.datamodel.models.map((m) => [m.name, m.dbName ?? m.name]));
  const columnsOf = (model: Model, names: readonly string[]) =>
    names.map((name) => {
      const field = model.fields.find((f) => f.name === name);
      if (!field) throw new Error(`drift check: ${model.name}.${name} not found`);
      return field.dbName ?? field.name;
    });

  for (const en of dmmf.datamodel.enums) {
    facts.add(
      `enum ${en.dbName ?? en.name} (${en.values.map((v) => v.dbName ?? v.name).join(', ')})`,
    );
  }
  for (const model of dmmf.datamodel.models) {
    const table = tableOf.get(model.name)!;
    facts.add(`table ${table}`);
    for (const field of model.fields) {
      if (field.kind === 'object') {
        const from = (field.relationFromFields ?? []) as string[];
        if (from.length === 0) continue;
        const target = dmmf.datamodel.models.find((m) => m.name === field.type)!;
        const optional = !field.isRequired;
        const onDelete =
          PRISMA_ACTIONS[(field as { relationOnDelete?: string }).relationOnDelete ?? ''] ??
          (optional ? 'SET NULL' : 'RESTRICT');
        const onUpdate =
          PRISMA_ACTIONS[(field as { relationOnUpdate?: string }).relationOnUpdate ?? ''] ??
          'CASCADE';
        const fromCols = columnsOf(model, from);
        facts.add(
          `foreign key ${table}_${fromCols.join('_')}_fkey: ${table} (${fromCols.join(', ')}) -> ` +
            `${tableOf.get(target.name)} (${columnsOf(target, field.relationToFields as string[]).join(', ')}) ` +
            `on delete ${onDelete} on update ${onUpdate}`,
        );
        continue;
      }
      const nullable = !field.isRequired || field.isList;
      facts.add(
        `column ${table}.${field.dbName ?? field.name} ${columnType(field)}${nullable ? '' : ' NOT NULL'}`,
      );
    }
    for (const index of dmmf.datamodel.indexes.filter((i) => i.model === model.name)) {
      const cols = columnsOf(
        model,
        index.fields.map((f) => f.name),
      );
      const keys = cols.map((col, i) =>
        index.fields[i].sortOrder === 'desc' ? `${col} DESC` : col,
      );
      const kind =
        index.type === 'id' ? 'primary key' : index.type === 'unique' ? 'unique index' : 'index';
      const defaultName =
        index.type === 'id'
          ? `${table}_pkey`
          : `${table}_${cols.join('_')}_${index.type === 'unique' ? 'key' : 'idx'}`;
      const method = (index.algorithm ?? 'BTree').toLowerCase();
      facts.add(
        `${kind} ${index.dbName ?? defaultName}: ${table} (${keys.join(', ')})` +
          (method === 'btree' ? '' : ` using ${method}`),
      );
    }
  }
  return facts;
}

const HISTORY_TABLE = '_prisma_migrations';

/** The same facts, read from the Postgres catalog for one schema. */
export async function actualFromDatabase(pool: pg.Pool, schema: string): Promise<Set<string>> {
  // With the schema on the search_path, format_type names its enum types without the schema.
  return withSchema(pool, schema, (client) => readCatalog(client, schema));
}

async function readCatalog(pool: pg.ClientBase, schema: string): Promise<Set<string>> {
  const facts = new Set<string>();
  const stripQuotes = (type: string) => type.replace(/"/g, '');

  const enums = await pool.query<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
       JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 GROUP BY t.typname`,
    [schema],
  );
  for (const row of enums.rows) facts.add(`enum ${row.name} (${row.labels.join(', ')})`);

  const columns = await pool.query<{
    table: string;
    column: string;
    type: string;
    notnull: boolean;
  }>(
    `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS notnull
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> $2`,
    [schema, HISTORY_TABLE],
  );
  for (const row of columns.rows) {
    facts.add(`table ${row.table}`);
    facts.add(
      `column ${row.table}.${row.column} ${stripQuotes(row.type)}${row.notnull ? ' NOT NULL' : ''}`,
    );
  }

  const indexes = await pool.query<{
    table: string;
    name: string;
    primary: boolean;
    unique: boolean;
    method: string;
    predicate: string | null;
    keys: string[];
    included: string[];
  }>(
    `SELECT t.relname AS table, i.relname AS name, x.indisprimary AS primary, x.indisunique AS unique,
            am.amname AS method, pg_get_expr(x.indpred, x.indrelid) AS predicate,
            array(SELECT a.attname || CASE WHEN x.indoption[k.ord - 1] & 1 = 1 THEN ' DESC' ELSE '' END
                    FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                   WHERE k.ord <= x.indnkeyatts ORDER BY k.ord)::text[] AS keys,
            array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                   WHERE k.ord > x.indnkeyatts ORDER BY k.ord)::text[] AS included
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_am am ON am.oid = i.relam JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = $1 AND t.relname <> $2`,
    [schema, HISTORY_TABLE],
  );
  for (const row of indexes.rows) {
    const kind = row.primary ? 'primary key' : row.unique ? 'unique index' : 'index';
    // Prisma cannot express partial or covering indexes, so any such detail is drift.
    facts.add(
      `${kind} ${row.name}: ${row.table} (${row.keys.join(', ')})` +
        (row.method === 'btree' ? '' : ` using ${row.method}`) +
        (row.included.length ? ` include (${row.included.join(', ')})` : '') +
        (row.predicate ? ` where ${row.predicate}` : ''),
    );
  }

  const foreignKeys = await pool.query<{
    name: string;
    table: string;
    columns: string[];
    target: string;
    targetColumns: string[];
    ondelete: string;
    onupdate: string;
  }>(
    `SELECT con.conname AS name, t.relname AS table, ft.relname AS target,
            array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
            array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = ft.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS "targetColumns",
            con.confdeltype AS ondelete, con.confupdtype AS onupdate
       FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid
       JOIN pg_class ft ON ft.oid = con.confrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = $1 AND con.contype = 'f'`,
    [schema],
  );
  for (const row of foreignKeys.rows) {
    facts.add(
      `foreign key ${row.name}: ${row.table} (${row.columns.join(', ')}) -> ${row.target} ` +
        `(${row.targetColumns.join(', ')}) on delete ${FK_ACTIONS[row.ondelete]} on update ${FK_ACTIONS[row.onupdate]}`,
    );
  }
  return facts;
}

/** Lines prefixed `missing in database:` or `not in Prisma schema:`; empty when both agree. */
export async function checkDrift(
  pool: pg.Pool,
  schema: string,
  prismaSchemaPaths: readonly string[],
): Promise<string[]> {
  const expected = new Set<string>();
  for (const file of prismaSchemaPaths) {
    for (const fact of await expectedFromPrisma(file)) expected.add(fact);
  }
  const actual = await actualFromDatabase(pool, schema);
  const differences: string[] = [];
  for (const fact of expected)
    if (!actual.has(fact)) differences.push(`missing in database: ${fact}`);
  for (const fact of actual)
    if (!expected.has(fact)) differences.push(`not in Prisma schema: ${fact}`);
  return differences.sort();
}
