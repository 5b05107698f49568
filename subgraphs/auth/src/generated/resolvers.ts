import { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import {
  Account as AccountModel,
  AuditEvent as AuditEventModel,
} from '../../../../prisma/auth/generated/client';
import { PlatformOperator as OperatorModel } from '../../../../prisma/operators/generated/client';
import { TenantUsageModel } from '../data';
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

export type AccountStatus =
  | 'ACTIVE'
  | 'DISABLED'
  /** Invited, no password set yet. */
  | 'INVITED';

/** One entry of the tenant's append-only audit trail. */
export type AuditEvent = {
  __typename?: 'AuditEvent';
  /** Who did it, when known. */
  actorId?: Maybe<Scalars['ID']['output']>;
  at: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  ipAddress?: Maybe<Scalars['String']['output']>;
  metadata: Scalars['JSON']['output'];
  /** Whom it concerns. */
  subjectId?: Maybe<Scalars['ID']['output']>;
  /** LOGIN_SUCCEEDED, LOGIN_FAILED, LOGOUT, REFRESH_REUSE, PASSWORD_CHANGED, PASSWORD_RESET, MFA_ENABLED, ROLE_CHANGED, … */
  type: Scalars['String']['output'];
  userAgent?: Maybe<Scalars['String']['output']>;
};

export type AuditEventConnection = {
  __typename?: 'AuditEventConnection';
  edges: Array<AuditEventEdge>;
  pageInfo: PageInfo;
};

export type AuditEventEdge = {
  __typename?: 'AuditEventEdge';
  cursor: Scalars['String']['output'];
  node: AuditEvent;
};

/** What the router and subgraphs understood from the caller's access token. */
export type AuthStatus = {
  __typename?: 'AuthStatus';
  kind: PrincipalKind;
  roles: Array<Scalars['String']['output']>;
  tenantId?: Maybe<Scalars['ID']['output']>;
  userId?: Maybe<Scalars['ID']['output']>;
};

export type GoogleLoginStart = {
  __typename?: 'GoogleLoginStart';
  /** Send the browser here. */
  authorizationUrl: Scalars['String']['output'];
  /** Comes back on the redirect; pass it to completeGoogleLogin. */
  state: Scalars['String']['output'];
};

export type InviteUserInput = {
  email: Scalars['String']['input'];
  name: Scalars['String']['input'];
  role: Role;
};

export type LoginInput = {
  /** A name for this device, shown in the session list. */
  deviceName?: InputMaybe<Scalars['String']['input']>;
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
  tenantSlug: Scalars['String']['input'];
  /** A TOTP code or a recovery code, when the account has MFA on. */
  totpCode?: InputMaybe<Scalars['String']['input']>;
};

export type LoginPayload = {
  __typename?: 'LoginPayload';
  /** Send as `Authorization: Bearer <token>`; short-lived. */
  accessToken: Scalars['String']['output'];
  /** When the access token expires. */
  expiresAt: Scalars['DateTime']['output'];
  /** Exchange with refreshSession; each one works once. */
  refreshToken: Scalars['String']['output'];
  session: Session;
  user: User;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Sets the password of an invited account from the invitation link, and activates it. */
  acceptInvitation: Scalars['Boolean']['output'];
  /** OWNER and ADMIN; only an OWNER grants OWNER. New access tokens carry the change. */
  assignRole: User;
  /** Ends the user's other sessions. */
  changePassword: Scalars['Boolean']['output'];
  completeGoogleLogin: LoginPayload;
  confirmTotp: TotpConfirmation;
  /** OWNER and ADMIN. Ends all of the user's sessions at once. */
  disableUser: User;
  enrollTotp: TotpEnrollment;
  /** OWNER and ADMIN. E-mails an invitation whose link sets the password. LIMIT_EXCEEDED at the tenant's maxUsers; only an OWNER may invite an OWNER. */
  inviteUser: User;
  /** Wrong tenant, e-mail or password all give the same UNAUTHENTICATED error. */
  login: LoginPayload;
  /** Ends the caller's session. */
  logout: Scalars['Boolean']['output'];
  operatorLogin: OperatorLoginPayload;
  /** Rotates the refresh token. Reusing a rotated token ends its session. */
  refreshSession: TokenPair;
  /** Only when the tenant allows self-registration (FORBIDDEN otherwise). Sends a verification e-mail. */
  register: RegisterPayload;
  /** Always true: reveals nothing about which e-mails exist. */
  requestPasswordReset: Scalars['Boolean']['output'];
  /** Ends every session of the user. */
  resetPassword: Scalars['Boolean']['output'];
  /** OWNER and ADMIN; only an OWNER revokes OWNER, and the last active OWNER keeps it. */
  revokeRole: User;
  startGoogleLogin: GoogleLoginStart;
  verifyEmail: Scalars['Boolean']['output'];
};

export type MutationAcceptInvitationArgs = {
  password: Scalars['String']['input'];
  token: Scalars['String']['input'];
};

export type MutationAssignRoleArgs = {
  role: Role;
  userId: Scalars['ID']['input'];
};

export type MutationChangePasswordArgs = {
  currentPassword: Scalars['String']['input'];
  newPassword: Scalars['String']['input'];
};

export type MutationCompleteGoogleLoginArgs = {
  code: Scalars['String']['input'];
  state: Scalars['String']['input'];
};

export type MutationConfirmTotpArgs = {
  code: Scalars['String']['input'];
};

export type MutationDisableUserArgs = {
  userId: Scalars['ID']['input'];
};

export type MutationInviteUserArgs = {
  input: InviteUserInput;
};

export type MutationLoginArgs = {
  input: LoginInput;
};

export type MutationOperatorLoginArgs = {
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
  totpCode?: InputMaybe<Scalars['String']['input']>;
};

export type MutationRefreshSessionArgs = {
  refreshToken: Scalars['String']['input'];
};

export type MutationRegisterArgs = {
  input: RegisterInput;
};

export type MutationRequestPasswordResetArgs = {
  email: Scalars['String']['input'];
  tenantSlug: Scalars['String']['input'];
};

export type MutationResetPasswordArgs = {
  newPassword: Scalars['String']['input'];
  token: Scalars['String']['input'];
};

export type MutationRevokeRoleArgs = {
  role: Role;
  userId: Scalars['ID']['input'];
};

export type MutationStartGoogleLoginArgs = {
  redirectUri: Scalars['String']['input'];
  tenantSlug: Scalars['String']['input'];
};

export type MutationVerifyEmailArgs = {
  token: Scalars['String']['input'];
};

/** A platform operator: runs the tenant lifecycle, belongs to no tenant. */
export type Operator = {
  __typename?: 'Operator';
  email: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
};

export type OperatorLoginPayload = {
  __typename?: 'OperatorLoginPayload';
  accessToken: Scalars['String']['output'];
  expiresAt: Scalars['DateTime']['output'];
  operator: Operator;
  refreshToken: Scalars['String']['output'];
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type PrincipalKind = 'ANONYMOUS' | 'OPERATOR' | 'USER';

export type Query = {
  __typename?: 'Query';
  /** The tenant's audit trail, newest first. OWNER and ADMIN. */
  auditLog: AuditEventConnection;
  authStatus: AuthStatus;
};

export type QueryAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type RegisterInput = {
  email: Scalars['String']['input'];
  name: Scalars['String']['input'];
  password: Scalars['String']['input'];
  tenantSlug: Scalars['String']['input'];
};

export type RegisterPayload = {
  __typename?: 'RegisterPayload';
  user: User;
};

export type Role = 'ADMIN' | 'ANALYST' | 'OWNER' | 'TRADER' | 'VIEWER';

/** A signed-in device; the session subgraph owns it. */
export type Session = {
  __typename?: 'Session';
  id: Scalars['ID']['output'];
};

/** A tenant's usage; this subgraph contributes what it owns. */
export type TenantUsage = {
  __typename?: 'TenantUsage';
  tenantId: Scalars['ID']['output'];
  /** Accounts in the tenant, of every status. */
  users: Scalars['Int']['output'];
};

export type TokenPair = {
  __typename?: 'TokenPair';
  accessToken: Scalars['String']['output'];
  expiresAt: Scalars['DateTime']['output'];
  refreshToken: Scalars['String']['output'];
};

export type TotpConfirmation = {
  __typename?: 'TotpConfirmation';
  /** One-time codes for when the authenticator is lost. Shown once. */
  recoveryCodes: Array<Scalars['String']['output']>;
};

export type TotpEnrollment = {
  __typename?: 'TotpEnrollment';
  /** otpauth:// URI, for a QR code. */
  otpauthUrl: Scalars['String']['output'];
  /** Base32 secret, for manual entry. */
  secret: Scalars['String']['output'];
};

/** The auth subgraph owns the account: e-mail, verification, roles and sign-in. */
export type User = {
  __typename?: 'User';
  email: Scalars['String']['output'];
  emailVerified: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
  lastLoginAt?: Maybe<Scalars['DateTime']['output']>;
  /** Whether sign-in with a password needs a TOTP code. */
  mfaEnabled: Scalars['Boolean']['output'];
  /** Owned by the user subgraph; provided here only where this subgraph knows it (registration). */
  name: Scalars['String']['output'];
  /** What the roles allow (docs/rbac.md). */
  permissions: Array<Scalars['String']['output']>;
  roles: Array<Role>;
  status: AccountStatus;
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
  Session: Session;
  TenantUsage: TenantUsage;
  User: User;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
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
  AccountStatus: AccountStatus;
  AuditEvent: ResolverTypeWrapper<AuditEventModel>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  AuditEventConnection: ResolverTypeWrapper<
    Omit<AuditEventConnection, 'edges'> & { edges: Array<ResolversTypes['AuditEventEdge']> }
  >;
  AuditEventEdge: ResolverTypeWrapper<
    Omit<AuditEventEdge, 'node'> & { node: ResolversTypes['AuditEvent'] }
  >;
  AuthStatus: ResolverTypeWrapper<AuthStatus>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  GoogleLoginStart: ResolverTypeWrapper<GoogleLoginStart>;
  InviteUserInput: InviteUserInput;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  LoginInput: LoginInput;
  LoginPayload: ResolverTypeWrapper<Omit<LoginPayload, 'user'> & { user: ResolversTypes['User'] }>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Operator: ResolverTypeWrapper<OperatorModel>;
  OperatorLoginPayload: ResolverTypeWrapper<
    Omit<OperatorLoginPayload, 'operator'> & { operator: ResolversTypes['Operator'] }
  >;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  PrincipalKind: PrincipalKind;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  RegisterInput: RegisterInput;
  RegisterPayload: ResolverTypeWrapper<
    Omit<RegisterPayload, 'user'> & { user: ResolversTypes['User'] }
  >;
  Role: Role;
  Session: ResolverTypeWrapper<Session>;
  TenantUsage: ResolverTypeWrapper<TenantUsageModel>;
  TokenPair: ResolverTypeWrapper<TokenPair>;
  TotpConfirmation: ResolverTypeWrapper<TotpConfirmation>;
  TotpEnrollment: ResolverTypeWrapper<TotpEnrollment>;
  User: ResolverTypeWrapper<AccountModel>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  AuditEvent: AuditEventModel;
  ID: Scalars['ID']['output'];
  String: Scalars['String']['output'];
  AuditEventConnection: Omit<AuditEventConnection, 'edges'> & {
    edges: Array<ResolversParentTypes['AuditEventEdge']>;
  };
  AuditEventEdge: Omit<AuditEventEdge, 'node'> & { node: ResolversParentTypes['AuditEvent'] };
  AuthStatus: AuthStatus;
  DateTime: Scalars['DateTime']['output'];
  GoogleLoginStart: GoogleLoginStart;
  InviteUserInput: InviteUserInput;
  JSON: Scalars['JSON']['output'];
  LoginInput: LoginInput;
  LoginPayload: Omit<LoginPayload, 'user'> & { user: ResolversParentTypes['User'] };
  Mutation: Record<PropertyKey, never>;
  Boolean: Scalars['Boolean']['output'];
  Operator: OperatorModel;
  OperatorLoginPayload: Omit<OperatorLoginPayload, 'operator'> & {
    operator: ResolversParentTypes['Operator'];
  };
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  Int: Scalars['Int']['output'];
  RegisterInput: RegisterInput;
  RegisterPayload: Omit<RegisterPayload, 'user'> & { user: ResolversParentTypes['User'] };
  Session: Session | FederationReferenceTypes['Session'];
  TenantUsage: TenantUsageModel;
  TokenPair: TokenPair;
  TotpConfirmation: TotpConfirmation;
  TotpEnrollment: TotpEnrollment;
  User: AccountModel;
}>;

export type AuditEventResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['AuditEvent'] = ResolversParentTypes['AuditEvent'],
> = ResolversObject<{
  actorId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  ipAddress?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  metadata?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  subjectId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  userAgent?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type AuditEventConnectionResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['AuditEventConnection'] =
    ResolversParentTypes['AuditEventConnection'],
> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['AuditEventEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type AuditEventEdgeResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['AuditEventEdge'] =
    ResolversParentTypes['AuditEventEdge'],
> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['AuditEvent'], ParentType, ContextType>;
}>;

export type AuthStatusResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['AuthStatus'] = ResolversParentTypes['AuthStatus'],
> = ResolversObject<{
  kind?: Resolver<ResolversTypes['PrincipalKind'], ParentType, ContextType>;
  roles?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  tenantId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  userId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<
  ResolversTypes['DateTime'],
  any
> {
  name: 'DateTime';
}

export type GoogleLoginStartResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['GoogleLoginStart'] =
    ResolversParentTypes['GoogleLoginStart'],
> = ResolversObject<{
  authorizationUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  state?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type LoginPayloadResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['LoginPayload'] = ResolversParentTypes['LoginPayload'],
> = ResolversObject<{
  accessToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  refreshToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  session?: Resolver<ResolversTypes['Session'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
}>;

export type MutationResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation'],
> = ResolversObject<{
  acceptInvitation?: Resolver<
    ResolversTypes['Boolean'],
    ParentType,
    ContextType,
    RequireFields<MutationAcceptInvitationArgs, 'password' | 'token'>
  >;
  assignRole?: Resolver<
    ResolversTypes['User'],
    ParentType,
    ContextType,
    RequireFields<MutationAssignRoleArgs, 'role' | 'userId'>
  >;
  changePassword?: Resolver<
    ResolversTypes['Boolean'],
    ParentType,
    ContextType,
    RequireFields<MutationChangePasswordArgs, 'currentPassword' | 'newPassword'>
  >;
  completeGoogleLogin?: Resolver<
    ResolversTypes['LoginPayload'],
    ParentType,
    ContextType,
    RequireFields<MutationCompleteGoogleLoginArgs, 'code' | 'state'>
  >;
  confirmTotp?: Resolver<
    ResolversTypes['TotpConfirmation'],
    ParentType,
    ContextType,
    RequireFields<MutationConfirmTotpArgs, 'code'>
  >;
  disableUser?: Resolver<
    ResolversTypes['User'],
    ParentType,
    ContextType,
    RequireFields<MutationDisableUserArgs, 'userId'>
  >;
  enrollTotp?: Resolver<ResolversTypes['TotpEnrollment'], ParentType, ContextType>;
  inviteUser?: Resolver<
    ResolversTypes['User'],
    ParentType,
    ContextType,
    RequireFields<MutationInviteUserArgs, 'input'>
  >;
  login?: Resolver<
    ResolversTypes['LoginPayload'],
    ParentType,
    ContextType,
    RequireFields<MutationLoginArgs, 'input'>
  >;
  logout?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  operatorLogin?: Resolver<
    ResolversTypes['OperatorLoginPayload'],
    ParentType,
    ContextType,
    RequireFields<MutationOperatorLoginArgs, 'email' | 'password'>
  >;
  refreshSession?: Resolver<
    ResolversTypes['TokenPair'],
    ParentType,
    ContextType,
    RequireFields<MutationRefreshSessionArgs, 'refreshToken'>
  >;
  register?: Resolver<
    ResolversTypes['RegisterPayload'],
    ParentType,
    ContextType,
    RequireFields<MutationRegisterArgs, 'input'>
  >;
  requestPasswordReset?: Resolver<
    ResolversTypes['Boolean'],
    ParentType,
    ContextType,
    RequireFields<MutationRequestPasswordResetArgs, 'email' | 'tenantSlug'>
  >;
  resetPassword?: Resolver<
    ResolversTypes['Boolean'],
    ParentType,
    ContextType,
    RequireFields<MutationResetPasswordArgs, 'newPassword' | 'token'>
  >;
  revokeRole?: Resolver<
    ResolversTypes['User'],
    ParentType,
    ContextType,
    RequireFields<MutationRevokeRoleArgs, 'role' | 'userId'>
  >;
  startGoogleLogin?: Resolver<
    ResolversTypes['GoogleLoginStart'],
    ParentType,
    ContextType,
    RequireFields<MutationStartGoogleLoginArgs, 'redirectUri' | 'tenantSlug'>
  >;
  verifyEmail?: Resolver<
    ResolversTypes['Boolean'],
    ParentType,
    ContextType,
    RequireFields<MutationVerifyEmailArgs, 'token'>
  >;
}>;

export type OperatorResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['Operator'] = ResolversParentTypes['Operator'],
> = ResolversObject<{
  email?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type OperatorLoginPayloadResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['OperatorLoginPayload'] =
    ResolversParentTypes['OperatorLoginPayload'],
> = ResolversObject<{
  accessToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  operator?: Resolver<ResolversTypes['Operator'], ParentType, ContextType>;
  refreshToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
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
  auditLog?: Resolver<
    ResolversTypes['AuditEventConnection'],
    ParentType,
    ContextType,
    RequireFields<QueryAuditLogArgs, 'first'>
  >;
  authStatus?: Resolver<ResolversTypes['AuthStatus'], ParentType, ContextType>;
}>;

export type RegisterPayloadResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['RegisterPayload'] =
    ResolversParentTypes['RegisterPayload'],
> = ResolversObject<{
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
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
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
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
  tenantId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  users?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type TokenPairResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['TokenPair'] = ResolversParentTypes['TokenPair'],
> = ResolversObject<{
  accessToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  refreshToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type TotpConfirmationResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['TotpConfirmation'] =
    ResolversParentTypes['TotpConfirmation'],
> = ResolversObject<{
  recoveryCodes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type TotpEnrollmentResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['TotpEnrollment'] =
    ResolversParentTypes['TotpEnrollment'],
> = ResolversObject<{
  otpauthUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  secret?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
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
  email?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  emailVerified?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastLoginAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  mfaEnabled?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  permissions?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  roles?: Resolver<Array<ResolversTypes['Role']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['AccountStatus'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = Context> = ResolversObject<{
  AuditEvent?: AuditEventResolvers<ContextType>;
  AuditEventConnection?: AuditEventConnectionResolvers<ContextType>;
  AuditEventEdge?: AuditEventEdgeResolvers<ContextType>;
  AuthStatus?: AuthStatusResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  GoogleLoginStart?: GoogleLoginStartResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  LoginPayload?: LoginPayloadResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Operator?: OperatorResolvers<ContextType>;
  OperatorLoginPayload?: OperatorLoginPayloadResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  RegisterPayload?: RegisterPayloadResolvers<ContextType>;
  Session?: SessionResolvers<ContextType>;
  TenantUsage?: TenantUsageResolvers<ContextType>;
  TokenPair?: TokenPairResolvers<ContextType>;
  TotpConfirmation?: TotpConfirmationResolvers<ContextType>;
  TotpEnrollment?: TotpEnrollmentResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
}>;
