import { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import { TenantModel, TenantBackupModel, TenantUsageModel } from '../data';
import { OperatorAction as OperatorActionModel } from '../../../../prisma/tenant/generated/client';
import { Context } from '../context';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string };
  String: { input: string; output: string };
  Boolean: { input: boolean; output: boolean };
  Int: { input: number; output: number };
  Float: { input: number; output: number };
  DateTime: { input: Date | string; output: Date | string };
  JSON: { input: unknown; output: unknown };
  _FieldSet: { input: unknown; output: unknown };
};

export type BackupStatus = 'COMPLETED' | 'FAILED' | 'PENDING' | 'RUNNING';

export type CreateTenantInput = {
  name: Scalars['String']['input'];
  owner: CreateTenantOwnerInput;
  plan: TenantPlan;
  /** ^[a-z][a-z0-9-]{2,39}$, unique, not reserved. */
  slug: Scalars['String']['input'];
};

export type CreateTenantOwnerInput = {
  email: Scalars['String']['input'];
  name: Scalars['String']['input'];
  /** Without a password the owner is invited by e-mail and sets one. */
  password?: InputMaybe<Scalars['String']['input']>;
};

export type CreateTenantPayload = {
  __typename?: 'CreateTenantPayload';
  owner: TenantOwner;
  tenant: Tenant;
};

export type HealthStatus =
  /** Reachable, but migrations are pending or queries are slow. */
  'DEGRADED' | 'DOWN' | 'HEALTHY';

export type Mutation = {
  __typename?: 'Mutation';
  /** Platform operators only. Starts a backup and returns it RUNNING; poll Tenant.backups for the result. */
  backupTenant: TenantBackup;
  /** Platform operators only. Atomic: the tenant ends ACTIVE or there is no trace of it. */
  createTenant: CreateTenantPayload;
  /** Platform operators only. Soft delete: the data is kept for the retention period, then purged. */
  deleteTenant: Tenant;
  /** Platform operators only. Verifies the backup's checksum, then swaps the restored schema in atomically. */
  restoreTenant: Tenant;
  /** Platform operators only. */
  resumeTenant: Tenant;
  /** Platform operators only. The tenant's access tokens stop working at once. */
  suspendTenant: Tenant;
  /** Platform operators only. */
  updateTenantLimits: Tenant;
  /** Platform operators, and the tenant's OWNER for their own tenant. */
  updateTenantSettings: Tenant;
};

export type MutationBackupTenantArgs = {
  id: Scalars['ID']['input'];
};

export type MutationCreateTenantArgs = {
  input: CreateTenantInput;
};

export type MutationDeleteTenantArgs = {
  id: Scalars['ID']['input'];
};

export type MutationRestoreTenantArgs = {
  backupId: Scalars['ID']['input'];
};

export type MutationResumeTenantArgs = {
  id: Scalars['ID']['input'];
};

export type MutationSuspendTenantArgs = {
  id: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};

export type MutationUpdateTenantLimitsArgs = {
  id: Scalars['ID']['input'];
  input: TenantLimitsInput;
};

export type MutationUpdateTenantSettingsArgs = {
  id: Scalars['ID']['input'];
  input: TenantSettingsInput;
};

export type OperatorActionOutcome = 'FAILED' | 'SUCCEEDED';

export type OperatorActionType =
  | 'BACKUP_TENANT'
  | 'CREATE_TENANT'
  | 'DELETE_TENANT'
  | 'RESTORE_TENANT'
  | 'RESUME_TENANT'
  | 'SUSPEND_TENANT'
  | 'UPDATE_TENANT_LIMITS'
  | 'UPDATE_TENANT_SETTINGS';

/** One platform operator's action on a tenant, from the append-only operator audit trail. */
export type OperatorAuditEvent = {
  __typename?: 'OperatorAuditEvent';
  action: OperatorActionType;
  at: Scalars['DateTime']['output'];
  /** What came of it: the tenant's new status, the values replaced, a backup's id, the new owner's id. */
  details: Scalars['JSON']['output'];
  /** The error code the operator got, when the action failed. */
  errorCode?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** What was asked, without secrets or personal data (never a password, nor the new owner's e-mail). */
  input: Scalars['JSON']['output'];
  ipAddress?: Maybe<Scalars['String']['output']>;
  /** The operator, from their verified access token. */
  operatorId: Scalars['ID']['output'];
  outcome: OperatorActionOutcome;
  /** The request's x-request-id (the router forwards it): its log lines carry the same id. */
  requestId: Scalars['String']['output'];
  /** The tenant acted on; null when the request named none that could exist (an id that is not a UUID, a createTenant refused before it began). */
  tenantId?: Maybe<Scalars['ID']['output']>;
  userAgent?: Maybe<Scalars['String']['output']>;
};

export type OperatorAuditEventConnection = {
  __typename?: 'OperatorAuditEventConnection';
  edges: Array<OperatorAuditEventEdge>;
  pageInfo: PageInfo;
};

export type OperatorAuditEventEdge = {
  __typename?: 'OperatorAuditEventEdge';
  cursor: Scalars['String']['output'];
  node: OperatorAuditEvent;
};

/** Every field given must match. */
export type OperatorAuditFilter = {
  action?: InputMaybe<OperatorActionType>;
  /** From this time on (inclusive). */
  from?: InputMaybe<Scalars['DateTime']['input']>;
  operatorId?: InputMaybe<Scalars['ID']['input']>;
  outcome?: InputMaybe<OperatorActionOutcome>;
  tenantId?: InputMaybe<Scalars['ID']['input']>;
  /** Before this time (exclusive). */
  to?: InputMaybe<Scalars['DateTime']['input']>;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** The caller's own tenant. */
  currentTenant?: Maybe<Tenant>;
  /** Platform operators only. Operators' actions on tenants, newest first; failed ones too. */
  operatorAuditEvents: OperatorAuditEventConnection;
  /** Platform operators: any tenant. Tenant members: only their own (other slugs give NOT_FOUND). */
  tenant?: Maybe<Tenant>;
  /** Platform operators only. */
  tenants: TenantConnection;
};

export type QueryOperatorAuditEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<OperatorAuditFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type QueryTenantArgs = {
  slug: Scalars['String']['input'];
};

export type QueryTenantsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<TenantStatus>;
};

export type Role = 'ADMIN' | 'ANALYST' | 'OWNER' | 'TRADER' | 'VIEWER';

export type Subscription = {
  __typename?: 'Subscription';
  /** Platform operators: any tenant. OWNER and ADMIN: their own tenant. */
  tenantHealth: TenantHealthEvent;
};

export type SubscriptionTenantHealthArgs = {
  tenantId: Scalars['ID']['input'];
};

/** A customer organisation. Its data lives in its own Postgres schema. */
export type Tenant = {
  __typename?: 'Tenant';
  /** Newest first. OWNER, ADMIN and operators; null with a FORBIDDEN error for anyone else. */
  backups?: Maybe<Array<TenantBackup>>;
  createdAt: Scalars['DateTime']['output'];
  /** OWNER, ADMIN and operators; null with a FORBIDDEN error for anyone else. */
  health?: Maybe<TenantHealth>;
  id: Scalars['ID']['output'];
  limits: TenantLimits;
  name: Scalars['String']['output'];
  plan: TenantPlan;
  /** How long provisioning took, in milliseconds. */
  provisioningMs?: Maybe<Scalars['Int']['output']>;
  /** Whether a user may erase their own personal data (the auth subgraph's eraseUser on themselves); an OWNER may always erase the tenant's other users. */
  selfErasure: Scalars['Boolean']['output'];
  /** Whether anyone may register an account (the auth subgraph's register). */
  selfRegistration: Scalars['Boolean']['output'];
  slug: Scalars['String']['output'];
  status: TenantStatus;
  /** Storage here; users and active sessions come from the auth and session subgraphs. */
  usage: TenantUsage;
};

/** A customer organisation. Its data lives in its own Postgres schema. */
export type TenantBackupsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type TenantBackup = {
  __typename?: 'TenantBackup';
  /** sha256 of the backup file, hex. */
  checksum?: Maybe<Scalars['String']['output']>;
  completedAt?: Maybe<Scalars['DateTime']['output']>;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  sizeBytes?: Maybe<Scalars['Float']['output']>;
  status: BackupStatus;
};

export type TenantConnection = {
  __typename?: 'TenantConnection';
  edges: Array<TenantEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type TenantEdge = {
  __typename?: 'TenantEdge';
  cursor: Scalars['String']['output'];
  node: Tenant;
};

export type TenantHealth = {
  __typename?: 'TenantHealth';
  activeSessions: Scalars['Int']['output'];
  checkedAt: Scalars['DateTime']['output'];
  /** Latency of a trivial query in the tenant's own database role. */
  dbLatencyMs?: Maybe<Scalars['Float']['output']>;
  /** The newest migration applied to the tenant's schema. */
  schemaVersion?: Maybe<Scalars['String']['output']>;
  status: HealthStatus;
};

export type TenantHealthEvent = {
  __typename?: 'TenantHealthEvent';
  activeSessions: Scalars['Int']['output'];
  checkedAt: Scalars['DateTime']['output'];
  dbLatencyMs?: Maybe<Scalars['Float']['output']>;
  schemaVersion?: Maybe<Scalars['String']['output']>;
  status: HealthStatus;
  tenantId: Scalars['ID']['output'];
};

/** The limits in force: the plan's defaults, unless the tenant has its own. */
export type TenantLimits = {
  __typename?: 'TenantLimits';
  maxSessionsPerUser: Scalars['Int']['output'];
  maxUsers: Scalars['Int']['output'];
  requestsPerMinute: Scalars['Int']['output'];
  storageMb: Scalars['Int']['output'];
};

/** Omitted fields keep their value; null returns a limit to the plan's default. */
export type TenantLimitsInput = {
  maxSessionsPerUser?: InputMaybe<Scalars['Int']['input']>;
  maxUsers?: InputMaybe<Scalars['Int']['input']>;
  requestsPerMinute?: InputMaybe<Scalars['Int']['input']>;
  storageMb?: InputMaybe<Scalars['Int']['input']>;
};

/** The owner account that provisioning created. */
export type TenantOwner = {
  __typename?: 'TenantOwner';
  email: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  roles: Array<Role>;
};

export type TenantPlan = 'ENTERPRISE' | 'FREE' | 'PRO';

/** Omitted fields keep their value. */
export type TenantSettingsInput = {
  selfErasure?: InputMaybe<Scalars['Boolean']['input']>;
  selfRegistration?: InputMaybe<Scalars['Boolean']['input']>;
};

export type TenantStatus = 'ACTIVE' | 'DELETED' | 'PROVISIONING' | 'SUSPENDED';

/** How much of its limits a tenant uses. Each subgraph contributes what it owns. */
export type TenantUsage = {
  __typename?: 'TenantUsage';
  /** Bytes of every table and index in the tenant's schema (cached for a minute). */
  storageBytes: Scalars['Float']['output'];
  tenantId: Scalars['ID']['output'];
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
  reference: TReference,
  context: TContext,
  info: GraphQLResolveInfo,
) => Promise<TResult> | TResult;

type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
type NullableCheck<T, S> =
  Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<
  TResult,
  TParent = Record<PropertyKey, never>,
  TContext = Record<PropertyKey, never>,
  TArgs = Record<PropertyKey, never>,
> =
  | ResolverFn<TResult, TParent, TContext, TArgs>
  | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo,
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo,
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo,
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<
  TResult,
  TKey extends string,
  TParent,
  TContext,
  TArgs,
> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<
  TResult,
  TKey extends string,
  TParent = Record<PropertyKey, never>,
  TContext = Record<PropertyKey, never>,
  TArgs = Record<PropertyKey, never>,
> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<
  TTypes,
  TParent = Record<PropertyKey, never>,
  TContext = Record<PropertyKey, never>,
> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo,
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<
  T = Record<PropertyKey, never>,
  TContext = Record<PropertyKey, never>,
> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<
  TResult = Record<PropertyKey, never>,
  TParent = Record<PropertyKey, never>,
  TContext = Record<PropertyKey, never>,
  TArgs = Record<PropertyKey, never>,
> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo,
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Tenant: Tenant;
  TenantUsage: TenantUsage;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Tenant: { __typename: 'Tenant' } & GraphQLRecursivePick<FederationTypes['Tenant'], { id: true }>;
  TenantUsage: { __typename: 'TenantUsage' } & GraphQLRecursivePick<
    FederationTypes['TenantUsage'],
    { tenantId: true }
  >;
}>;

/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  BackupStatus: BackupStatus;
  CreateTenantInput: CreateTenantInput;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  CreateTenantOwnerInput: CreateTenantOwnerInput;
  CreateTenantPayload: ResolverTypeWrapper<
    Omit<CreateTenantPayload, 'tenant'> & { tenant: ResolversTypes['Tenant'] }
  >;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  HealthStatus: HealthStatus;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  OperatorActionOutcome: OperatorActionOutcome;
  OperatorActionType: OperatorActionType;
  OperatorAuditEvent: ResolverTypeWrapper<OperatorActionModel>;
  OperatorAuditEventConnection: ResolverTypeWrapper<
    Omit<OperatorAuditEventConnection, 'edges'> & {
      edges: Array<ResolversTypes['OperatorAuditEventEdge']>;
    }
  >;
  OperatorAuditEventEdge: ResolverTypeWrapper<
    Omit<OperatorAuditEventEdge, 'node'> & { node: ResolversTypes['OperatorAuditEvent'] }
  >;
  OperatorAuditFilter: OperatorAuditFilter;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Role: Role;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Tenant: ResolverTypeWrapper<TenantModel>;
  TenantBackup: ResolverTypeWrapper<TenantBackupModel>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  TenantConnection: ResolverTypeWrapper<
    Omit<TenantConnection, 'edges'> & { edges: Array<ResolversTypes['TenantEdge']> }
  >;
  TenantEdge: ResolverTypeWrapper<Omit<TenantEdge, 'node'> & { node: ResolversTypes['Tenant'] }>;
  TenantHealth: ResolverTypeWrapper<TenantHealth>;
  TenantHealthEvent: ResolverTypeWrapper<TenantHealthEvent>;
  TenantLimits: ResolverTypeWrapper<TenantLimits>;
  TenantLimitsInput: TenantLimitsInput;
  TenantOwner: ResolverTypeWrapper<TenantOwner>;
  TenantPlan: TenantPlan;
  TenantSettingsInput: TenantSettingsInput;
  TenantStatus: TenantStatus;
  TenantUsage: ResolverTypeWrapper<TenantUsageModel>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  CreateTenantInput: CreateTenantInput;
  String: Scalars['String']['output'];
  CreateTenantOwnerInput: CreateTenantOwnerInput;
  CreateTenantPayload: Omit<CreateTenantPayload, 'tenant'> & {
    tenant: ResolversParentTypes['Tenant'];
  };
  DateTime: Scalars['DateTime']['output'];
  JSON: Scalars['JSON']['output'];
  Mutation: Record<PropertyKey, never>;
  ID: Scalars['ID']['output'];
  OperatorAuditEvent: OperatorActionModel;
  OperatorAuditEventConnection: Omit<OperatorAuditEventConnection, 'edges'> & {
    edges: Array<ResolversParentTypes['OperatorAuditEventEdge']>;
  };
  OperatorAuditEventEdge: Omit<OperatorAuditEventEdge, 'node'> & {
    node: ResolversParentTypes['OperatorAuditEvent'];
  };
  OperatorAuditFilter: OperatorAuditFilter;
  PageInfo: PageInfo;
  Boolean: Scalars['Boolean']['output'];
  Query: Record<PropertyKey, never>;
  Int: Scalars['Int']['output'];
  Subscription: Record<PropertyKey, never>;
  Tenant: TenantModel;
  TenantBackup: TenantBackupModel;
  Float: Scalars['Float']['output'];
  TenantConnection: Omit<TenantConnection, 'edges'> & {
    edges: Array<ResolversParentTypes['TenantEdge']>;
  };
  TenantEdge: Omit<TenantEdge, 'node'> & { node: ResolversParentTypes['Tenant'] };
  TenantHealth: TenantHealth;
  TenantHealthEvent: TenantHealthEvent;
  TenantLimits: TenantLimits;
  TenantLimitsInput: TenantLimitsInput;
  TenantOwner: TenantOwner;
  TenantSettingsInput: TenantSettingsInput;
  TenantUsage: TenantUsageModel;
}>;

export type CreateTenantPayloadResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['CreateTenantPayload'] =
    ResolversParentTypes['CreateTenantPayload'],
> = ResolversObject<{
  owner?: Resolver<ResolversTypes['TenantOwner'], ParentType, ContextType>;
  tenant?: Resolver<ResolversTypes['Tenant'], ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<
  ResolversTypes['DateTime'],
  any
> {
  name: 'DateTime';
}

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type MutationResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation'],
> = ResolversObject<{
  backupTenant?: Resolver<
    ResolversTypes['TenantBackup'],
    ParentType,
    ContextType,
    RequireFields<MutationBackupTenantArgs, 'id'>
  >;
  createTenant?: Resolver<
    ResolversTypes['CreateTenantPayload'],
    ParentType,
    ContextType,
    RequireFields<MutationCreateTenantArgs, 'input'>
  >;
  deleteTenant?: Resolver<
    ResolversTypes['Tenant'],
    ParentType,
    ContextType,
    RequireFields<MutationDeleteTenantArgs, 'id'>
  >;
  restoreTenant?: Resolver<
    ResolversTypes['Tenant'],
    ParentType,
    ContextType,
    RequireFields<MutationRestoreTenantArgs, 'backupId'>
  >;
  resumeTenant?: Resolver<
    ResolversTypes['Tenant'],
    ParentType,
    ContextType,
    RequireFields<MutationResumeTenantArgs, 'id'>
  >;
  suspendTenant?: Resolver<
    ResolversTypes['Tenant'],
    ParentType,
    ContextType,
    RequireFields<MutationSuspendTenantArgs, 'id' | 'reason'>
  >;
  updateTenantLimits?: Resolver<
    ResolversTypes['Tenant'],
    ParentType,
    ContextType,
    RequireFields<MutationUpdateTenantLimitsArgs, 'id' | 'input'>
  >;
  updateTenantSettings?: Resolver<
    ResolversTypes['Tenant'],
    ParentType,
    ContextType,
    RequireFields<MutationUpdateTenantSettingsArgs, 'id' | 'input'>
  >;
}>;

export type OperatorAuditEventResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['OperatorAuditEvent'] =
    ResolversParentTypes['OperatorAuditEvent'],
> = ResolversObject<{
  action?: Resolver<ResolversTypes['OperatorActionType'], ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  details?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  errorCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  input?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  ipAddress?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  operatorId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  outcome?: Resolver<ResolversTypes['OperatorActionOutcome'], ParentType, ContextType>;
  requestId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  tenantId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  userAgent?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type OperatorAuditEventConnectionResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['OperatorAuditEventConnection'] =
    ResolversParentTypes['OperatorAuditEventConnection'],
> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['OperatorAuditEventEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type OperatorAuditEventEdgeResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['OperatorAuditEventEdge'] =
    ResolversParentTypes['OperatorAuditEventEdge'],
> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['OperatorAuditEvent'], ParentType, ContextType>;
}>;

export type PageInfoResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo'],
> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type QueryResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query'],
> = ResolversObject<{
  currentTenant?: Resolver<Maybe<ResolversTypes['Tenant']>, ParentType, ContextType>;
  operatorAuditEvents?: Resolver<
    ResolversTypes['OperatorAuditEventConnection'],
    ParentType,
    ContextType,
    Partial<QueryOperatorAuditEventsArgs>
  >;
  tenant?: Resolver<
    Maybe<ResolversTypes['Tenant']>,
    ParentType,
    ContextType,
    RequireFields<QueryTenantArgs, 'slug'>
  >;
  tenants?: Resolver<
    ResolversTypes['TenantConnection'],
    ParentType,
    ContextType,
    Partial<QueryTenantsArgs>
  >;
}>;

export type SubscriptionResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription'],
> = ResolversObject<{
  tenantHealth?: SubscriptionResolver<
    ResolversTypes['TenantHealthEvent'],
    'tenantHealth',
    ParentType,
    ContextType,
    RequireFields<SubscriptionTenantHealthArgs, 'tenantId'>
  >;
}>;

export type TenantResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['Tenant'] = ResolversParentTypes['Tenant'],
  FederationReferenceType extends FederationReferenceTypes['Tenant'] =
    FederationReferenceTypes['Tenant'],
> = ResolversObject<{
  __resolveReference?: ReferenceResolver<
    Maybe<ResolversTypes['Tenant']> | FederationReferenceType,
    FederationReferenceType,
    ContextType
  >;
  backups?: Resolver<
    Maybe<Array<ResolversTypes['TenantBackup']>>,
    ParentType,
    ContextType,
    Partial<TenantBackupsArgs>
  >;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  health?: Resolver<Maybe<ResolversTypes['TenantHealth']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  limits?: Resolver<ResolversTypes['TenantLimits'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  plan?: Resolver<ResolversTypes['TenantPlan'], ParentType, ContextType>;
  provisioningMs?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  selfErasure?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  selfRegistration?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  slug?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['TenantStatus'], ParentType, ContextType>;
  usage?: Resolver<ResolversTypes['TenantUsage'], ParentType, ContextType>;
}>;

export type TenantBackupResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['TenantBackup'] = ResolversParentTypes['TenantBackup'],
> = ResolversObject<{
  checksum?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  completedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  sizeBytes?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['BackupStatus'], ParentType, ContextType>;
}>;

export type TenantConnectionResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['TenantConnection'] =
    ResolversParentTypes['TenantConnection'],
> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['TenantEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type TenantEdgeResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['TenantEdge'] = ResolversParentTypes['TenantEdge'],
> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Tenant'], ParentType, ContextType>;
}>;

export type TenantHealthResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['TenantHealth'] = ResolversParentTypes['TenantHealth'],
> = ResolversObject<{
  activeSessions?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  checkedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  dbLatencyMs?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  schemaVersion?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['HealthStatus'], ParentType, ContextType>;
}>;

export type TenantHealthEventResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['TenantHealthEvent'] =
    ResolversParentTypes['TenantHealthEvent'],
> = ResolversObject<{
  activeSessions?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  checkedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  dbLatencyMs?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  schemaVersion?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['HealthStatus'], ParentType, ContextType>;
  tenantId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type TenantLimitsResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['TenantLimits'] = ResolversParentTypes['TenantLimits'],
> = ResolversObject<{
  maxSessionsPerUser?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  maxUsers?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  requestsPerMinute?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  storageMb?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type TenantOwnerResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['TenantOwner'] = ResolversParentTypes['TenantOwner'],
> = ResolversObject<{
  email?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  roles?: Resolver<Array<ResolversTypes['Role']>, ParentType, ContextType>;
}>;

export type TenantUsageResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['TenantUsage'] = ResolversParentTypes['TenantUsage'],
  FederationReferenceType extends FederationReferenceTypes['TenantUsage'] =
    FederationReferenceTypes['TenantUsage'],
> = ResolversObject<{
  __resolveReference?: ReferenceResolver<
    Maybe<ResolversTypes['TenantUsage']> | FederationReferenceType,
    FederationReferenceType,
    ContextType
  >;
  storageBytes?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  tenantId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = Context> = ResolversObject<{
  CreateTenantPayload?: CreateTenantPayloadResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  JSON?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  OperatorAuditEvent?: OperatorAuditEventResolvers<ContextType>;
  OperatorAuditEventConnection?: OperatorAuditEventConnectionResolvers<ContextType>;
  OperatorAuditEventEdge?: OperatorAuditEventEdgeResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  Tenant?: TenantResolvers<ContextType>;
  TenantBackup?: TenantBackupResolvers<ContextType>;
  TenantConnection?: TenantConnectionResolvers<ContextType>;
  TenantEdge?: TenantEdgeResolvers<ContextType>;
  TenantHealth?: TenantHealthResolvers<ContextType>;
  TenantHealthEvent?: TenantHealthEventResolvers<ContextType>;
  TenantLimits?: TenantLimitsResolvers<ContextType>;
  TenantOwner?: TenantOwnerResolvers<ContextType>;
  TenantUsage?: TenantUsageResolvers<ContextType>;
}>;
