import { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import {
  SessionModel,
  UserReference,
  SessionEventModel,
  SessionAnalyticsModel,
  TenantUsageModel,
} from '../data';
import { DataSubject } from '@tradesage/shared';
import { Context } from '../context';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string };
  String: { input: string; output: string };
  Boolean: { input: boolean; output: boolean };
  Int: { input: number; output: number };
  Float: { input: number; output: number };
  DateTime: { input: Date | string; output: Date | string };
  _FieldSet: { input: unknown; output: unknown };
};

export type DailySessionPeak = {
  __typename?: 'DailySessionPeak';
  /** The UTC day, YYYY-MM-DD. */
  date: Scalars['String']['output'];
  /** The most sessions live at once that day (taken at each sign-in). */
  sessions: Scalars['Int']['output'];
};

export type Device = {
  __typename?: 'Device';
  browser?: Maybe<Scalars['String']['output']>;
  /** The name the user gave the device at sign-in (deviceName). */
  name?: Maybe<Scalars['String']['output']>;
  os?: Maybe<Scalars['String']['output']>;
  type: DeviceType;
};

export type DeviceType = 'DESKTOP' | 'MOBILE' | 'OTHER' | 'TABLET';

export type DeviceTypeCount = {
  __typename?: 'DeviceTypeCount';
  count: Scalars['Int']['output'];
  key: DeviceType;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Ends every session of the caller but the current one. */
  revokeOtherSessions: Scalars['Boolean']['output'];
  /** Ends a session at once: its access token is refused everywhere within a second, its refresh token dies. Your own sessions, or (OWNER and ADMIN) any in your tenant; NOT_FOUND otherwise. */
  revokeSession: Session;
};

export type MutationRevokeSessionArgs = {
  id: Scalars['ID']['input'];
};

/** The signed-in user's personal data (exportMyData); this subgraph contributes the sessions. */
export type MyDataExport = {
  __typename?: 'MyDataExport';
  /** The user's live sessions (device, address, times), most recently active first: at most the tenant's maxSessionsPerUser. Ended sessions are not kept. */
  sessions: Array<Session>;
  userId: Scalars['ID']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** The caller's live sessions, most recently active first. */
  mySessions: Array<Session>;
  /** OWNER, ADMIN and ANALYST. */
  sessionAnalytics: SessionAnalytics;
};

/** One signed-in device of a user. */
export type Session = {
  __typename?: 'Session';
  createdAt: Scalars['DateTime']['output'];
  /** True for the session that made this request. */
  current: Scalars['Boolean']['output'];
  device: Device;
  /** The absolute end; the session ends sooner if idle for SESSION_IDLE_TTL_SECONDS. */
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** The client's address, as seen through the trusted proxies. */
  ipAddress?: Maybe<Scalars['String']['output']>;
  /** The last recorded use: every refresh, and requests at most once per SESSION_TOUCH_INTERVAL_SECONDS (60 s by default). */
  lastSeenAt: Scalars['DateTime']['output'];
  status: SessionStatus;
  user: User;
};

/** The caller's tenant's sessions, now. */
export type SessionAnalytics = {
  __typename?: 'SessionAnalytics';
  activeSessions: Scalars['Int']['output'];
  /** Users with at least one live session. */
  activeUsers: Scalars['Int']['output'];
  /** Live sessions per device type; every type is listed, with 0 where there are none. */
  byDeviceType: Array<DeviceTypeCount>;
  /** The peak of concurrent sessions per UTC day, oldest first; days without sign-ins are left out. */
  dailyPeaks: Array<DailySessionPeak>;
  /** Sign-ins (new sessions) in the last 24 hours. */
  loginsLast24h: Scalars['Int']['output'];
};

/** The caller's tenant's sessions, now. */
export type SessionAnalyticsDailyPeaksArgs = {
  days?: Scalars['Int']['input'];
};

export type SessionEvent = {
  __typename?: 'SessionEvent';
  at: Scalars['DateTime']['output'];
  /** The session as it was when the event happened. */
  session: Session;
  type: SessionEventType;
};

export type SessionEventType =
  | 'CREATED'
  /** Ended because the user signed in elsewhere while at the tenant's maxSessionsPerUser. */
  | 'EVICTED'
  | 'EXPIRED'
  | 'REFRESHED'
  | 'REVOKED';

export type SessionStatus =
  | 'ACTIVE'
  /** Past its absolute lifetime, or idle for longer than the idle timeout. */
  | 'EXPIRED'
  /** Ended before its time: logout, revocation, password reset, a disabled user, eviction. */
  | 'REVOKED';

export type Subscription = {
  __typename?: 'Subscription';
  /** Events of the caller's own sessions; OWNER and ADMIN receive their whole tenant's. Ends after the event that ends the caller's own session. */
  sessionEvents: SessionEvent;
};

/** A tenant's usage; this subgraph contributes what it owns. */
export type TenantUsage = {
  __typename?: 'TenantUsage';
  /** Sessions that have not expired. */
  activeSessions: Scalars['Int']['output'];
  tenantId: Scalars['ID']['output'];
};

export type User = {
  __typename?: 'User';
  id: Scalars['ID']['output'];
  /** The user's live sessions, most recently active first. The user, or an OWNER or ADMIN of their tenant, may list them; anyone else gets FORBIDDEN. */
  sessions: Array<Session>;
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
  MyDataExport: MyDataExport;
  Session: Session;
  TenantUsage: TenantUsage;
  User: User;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  MyDataExport: { __typename: 'MyDataExport' } & GraphQLRecursivePick<
    FederationTypes['MyDataExport'],
    { userId: true }
  >;
  Session: { __typename: 'Session' } & GraphQLRecursivePick<
    FederationTypes['Session'],
    { id: true }
  >;
  TenantUsage: { __typename: 'TenantUsage' } & GraphQLRecursivePick<
    FederationTypes['TenantUsage'],
    { tenantId: true }
  >;
  User: { __typename: 'User' } & GraphQLRecursivePick<FederationTypes['User'], { id: true }>;
}>;

/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  DailySessionPeak: ResolverTypeWrapper<DailySessionPeak>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Device: ResolverTypeWrapper<Device>;
  DeviceType: DeviceType;
  DeviceTypeCount: ResolverTypeWrapper<DeviceTypeCount>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  MyDataExport: ResolverTypeWrapper<DataSubject>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Session: ResolverTypeWrapper<SessionModel>;
  SessionAnalytics: ResolverTypeWrapper<SessionAnalyticsModel>;
  SessionEvent: ResolverTypeWrapper<SessionEventModel>;
  SessionEventType: SessionEventType;
  SessionStatus: SessionStatus;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  TenantUsage: ResolverTypeWrapper<TenantUsageModel>;
  User: ResolverTypeWrapper<UserReference>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  DailySessionPeak: DailySessionPeak;
  String: Scalars['String']['output'];
  Int: Scalars['Int']['output'];
  DateTime: Scalars['DateTime']['output'];
  Device: Device;
  DeviceTypeCount: DeviceTypeCount;
  Mutation: Record<PropertyKey, never>;
  Boolean: Scalars['Boolean']['output'];
  ID: Scalars['ID']['output'];
  MyDataExport: DataSubject;
  Query: Record<PropertyKey, never>;
  Session: SessionModel;
  SessionAnalytics: SessionAnalyticsModel;
  SessionEvent: SessionEventModel;
  Subscription: Record<PropertyKey, never>;
  TenantUsage: TenantUsageModel;
  User: UserReference;
}>;

export type DailySessionPeakResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['DailySessionPeak'] =
    ResolversParentTypes['DailySessionPeak'],
> = ResolversObject<{
  date?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sessions?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<
  ResolversTypes['DateTime'],
  any
> {
  name: 'DateTime';
}

export type DeviceResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['Device'] = ResolversParentTypes['Device'],
> = ResolversObject<{
  browser?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  os?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  type?: Resolver<ResolversTypes['DeviceType'], ParentType, ContextType>;
}>;

export type DeviceTypeCountResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['DeviceTypeCount'] =
    ResolversParentTypes['DeviceTypeCount'],
> = ResolversObject<{
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  key?: Resolver<ResolversTypes['DeviceType'], ParentType, ContextType>;
}>;

export type MutationResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation'],
> = ResolversObject<{
  revokeOtherSessions?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  revokeSession?: Resolver<
    ResolversTypes['Session'],
    ParentType,
    ContextType,
    RequireFields<MutationRevokeSessionArgs, 'id'>
  >;
}>;

export type MyDataExportResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['MyDataExport'] = ResolversParentTypes['MyDataExport'],
  FederationReferenceType extends FederationReferenceTypes['MyDataExport'] =
    FederationReferenceTypes['MyDataExport'],
> = ResolversObject<{
  __resolveReference?: ReferenceResolver<
    Maybe<ResolversTypes['MyDataExport']> | FederationReferenceType,
    FederationReferenceType,
    ContextType
  >;
  sessions?: Resolver<Array<ResolversTypes['Session']>, ParentType, ContextType>;
  userId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type QueryResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query'],
> = ResolversObject<{
  mySessions?: Resolver<Array<ResolversTypes['Session']>, ParentType, ContextType>;
  sessionAnalytics?: Resolver<ResolversTypes['SessionAnalytics'], ParentType, ContextType>;
}>;

export type SessionResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['Session'] = ResolversParentTypes['Session'],
  FederationReferenceType extends FederationReferenceTypes['Session'] =
    FederationReferenceTypes['Session'],
> = ResolversObject<{
  __resolveReference?: ReferenceResolver<
    Maybe<ResolversTypes['Session']> | FederationReferenceType,
    FederationReferenceType,
    ContextType
  >;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  current?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  device?: Resolver<ResolversTypes['Device'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  ipAddress?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  lastSeenAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['SessionStatus'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
}>;

export type SessionAnalyticsResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['SessionAnalytics'] =
    ResolversParentTypes['SessionAnalytics'],
> = ResolversObject<{
  activeSessions?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  activeUsers?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  byDeviceType?: Resolver<Array<ResolversTypes['DeviceTypeCount']>, ParentType, ContextType>;
  dailyPeaks?: Resolver<
    Array<ResolversTypes['DailySessionPeak']>,
    ParentType,
    ContextType,
    RequireFields<SessionAnalyticsDailyPeaksArgs, 'days'>
  >;
  loginsLast24h?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type SessionEventResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['SessionEvent'] = ResolversParentTypes['SessionEvent'],
> = ResolversObject<{
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  session?: Resolver<ResolversTypes['Session'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['SessionEventType'], ParentType, ContextType>;
}>;

export type SubscriptionResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription'],
> = ResolversObject<{
  sessionEvents?: SubscriptionResolver<
    ResolversTypes['SessionEvent'],
    'sessionEvents',
    ParentType,
    ContextType
  >;
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
  activeSessions?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  tenantId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type UserResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'],
  FederationReferenceType extends FederationReferenceTypes['User'] =
    FederationReferenceTypes['User'],
> = ResolversObject<{
  __resolveReference?: ReferenceResolver<
    Maybe<ResolversTypes['User']> | FederationReferenceType,
    FederationReferenceType,
    ContextType
  >;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  sessions?: Resolver<Array<ResolversTypes['Session']>, ParentType, ContextType>;
}>;

export type Resolvers<ContextType = Context> = ResolversObject<{
  DailySessionPeak?: DailySessionPeakResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Device?: DeviceResolvers<ContextType>;
  DeviceTypeCount?: DeviceTypeCountResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  MyDataExport?: MyDataExportResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Session?: SessionResolvers<ContextType>;
  SessionAnalytics?: SessionAnalyticsResolvers<ContextType>;
  SessionEvent?: SessionEventResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  TenantUsage?: TenantUsageResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
}>;
