import { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import {
  Account as AccountModel,
  AuditEvent as AuditEventModel,
  AccountToken as ExportedEmailLinkModel,
} from '../../../../prisma/auth/generated/client';
import { PlatformOperator as OperatorModel } from '../../../../prisma/operators/generated/client';
import { TenantUsageModel } from '../data';
import { DataSubject } from '@tradesage/shared';
import { ExportedAccountModel } from '../privacy';
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

export type EmailLinkPurpose = 'EMAIL_VERIFICATION' | 'INVITATION' | 'PASSWORD_RESET';

export type EraseUserPayload = {
  __typename?: 'EraseUserPayload';
  erasedAt: Scalars['DateTime']['output'];
  /** What the audit trail calls the user from now on (auditLog's actorId and subjectId). */
  pseudonym: Scalars['ID']['output'];
  /** The erased user's former id; it names no one now. */
  userId: Scalars['ID']['output'];
};

/** The account as stored. The password and the TOTP secret are never exported: only whether they are set. */
export type ExportedAccount = {
  __typename?: 'ExportedAccount';
  createdAt: Scalars['DateTime']['output'];
  email: Scalars['String']['output'];
  /** The e-mailed single-use links (invitation, verification, password reset), newest first, at most 100; only their hashes are stored. */
  emailLinks: Array<ExportedEmailLink>;
  emailVerified: Scalars['Boolean']['output'];
  /** Whether a password is set (it is stored as an argon2id hash only). */
  hasPassword: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
  /** Sign-in identities linked to the account (Google). */
  identities: Array<ExportedIdentity>;
  lastLoginAt?: Maybe<Scalars['DateTime']['output']>;
  mfaEnabled: Scalars['Boolean']['output'];
  /** Unused MFA recovery codes (stored as hashes only). */
  recoveryCodesLeft: Scalars['Int']['output'];
  roles: Array<Role>;
  status: AccountStatus;
  updatedAt: Scalars['DateTime']['output'];
};

export type ExportedEmailLink = {
  __typename?: 'ExportedEmailLink';
  createdAt: Scalars['DateTime']['output'];
  expiresAt: Scalars['DateTime']['output'];
  purpose: EmailLinkPurpose;
  usedAt?: Maybe<Scalars['DateTime']['output']>;
};

export type ExportedIdentity = {
  __typename?: 'ExportedIdentity';
  provider: IdentityProvider;
  /** The provider's id of the user (OpenID Connect `sub`). */
  subject: Scalars['String']['output'];
};

export type GoogleLoginStart = {
  __typename?: 'GoogleLoginStart';
  /** Send the browser here. */
  authorizationUrl: Scalars['String']['output'];
  /** Comes back on the redirect; pass it to completeGoogleLogin. */
  state: Scalars['String']['output'];
};

export type IdentityProvider = 'GOOGLE';

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
  /** Erases a user's personal data in every subgraph (docs/privacy.md): an OWNER any user of the tenant, themselves included; any other user only themselves, where the tenant's selfErasure allows it (FORBIDDEN otherwise). The account is deleted and its sessions end; audit entries stay, under the returned pseudonym. The last active OWNER cannot be erased (CONFLICT, reason LAST_OWNER). Erasing an erased user again gives the same answer; an unknown id is NOT_FOUND. */
  eraseUser: EraseUserPayload;
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

export type MutationEraseUserArgs = {
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

/** The signed-in user's personal data (exportMyData). Each subgraph contributes what it owns: this one the account and the audit entries. */
export type MyDataExport = {
  __typename?: 'MyDataExport';
  account: ExportedAccount;
  /** Audit entries that name the user as actor or subject, newest first. The trail is kept as long as the tenant, so it is paged: at most 200 per page. An entry's ipAddress and userAgent are shown only for the user's own requests. */
  auditEvents: AuditEventConnection;
  /** When this export was made. */
  generatedAt: Scalars['DateTime']['output'];
  userId: Scalars['ID']['output'];
};

/** The signed-in user's personal data (exportMyData). Each subgraph contributes what it owns: this one the account and the audit entries. */
export type MyDataExportAuditEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
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
  /** Everything the system holds about the signed-in user, each part from the subgraph that owns it (docs/privacy.md). Tenant users only, about themselves only. */
  exportMyData: MyDataExport;
  /** Platform operators only. The operators' sign-ins (failed ones too), sign-outs, refresh-token reuse and MFA changes, newest first; their actions on tenants are operatorAuditEvents. */
  operatorSignInEvents: AuditEventConnection;
};

export type QueryAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type QueryOperatorSignInEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  operatorId?: InputMaybe<Scalars['ID']['input']>;
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
  EmailLinkPurpose: EmailLinkPurpose;
  EraseUserPayload: ResolverTypeWrapper<EraseUserPayload>;
  ExportedAccount: ResolverTypeWrapper<ExportedAccountModel>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  ExportedEmailLink: ResolverTypeWrapper<ExportedEmailLinkModel>;
  ExportedIdentity: ResolverTypeWrapper<ExportedIdentity>;
  GoogleLoginStart: ResolverTypeWrapper<GoogleLoginStart>;
  IdentityProvider: IdentityProvider;
  InviteUserInput: InviteUserInput;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  LoginInput: LoginInput;
  LoginPayload: ResolverTypeWrapper<Omit<LoginPayload, 'user'> & { user: ResolversTypes['User'] }>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  MyDataExport: ResolverTypeWrapper<DataSubject>;
  Operator: ResolverTypeWrapper<OperatorModel>;
  OperatorLoginPayload: ResolverTypeWrapper<
    Omit<OperatorLoginPayload, 'operator'> & { operator: ResolversTypes['Operator'] }
  >;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  PrincipalKind: PrincipalKind;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
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
  EraseUserPayload: EraseUserPayload;
  ExportedAccount: ExportedAccountModel;
  Boolean: Scalars['Boolean']['output'];
  Int: Scalars['Int']['output'];
  ExportedEmailLink: ExportedEmailLinkModel;
  ExportedIdentity: ExportedIdentity;
  GoogleLoginStart: GoogleLoginStart;
  InviteUserInput: InviteUserInput;
  JSON: Scalars['JSON']['output'];
  LoginInput: LoginInput;
  LoginPayload: Omit<LoginPayload, 'user'> & { user: ResolversParentTypes['User'] };
  Mutation: Record<PropertyKey, never>;
  MyDataExport: DataSubject;
  Operator: OperatorModel;
  OperatorLoginPayload: Omit<OperatorLoginPayload, 'operator'> & {
    operator: ResolversParentTypes['Operator'];
  };
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
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

export type EraseUserPayloadResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['EraseUserPayload'] =
    ResolversParentTypes['EraseUserPayload'],
> = ResolversObject<{
  erasedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  pseudonym?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  userId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type ExportedAccountResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['ExportedAccount'] =
    ResolversParentTypes['ExportedAccount'],
> = ResolversObject<{
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  email?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  emailLinks?: Resolver<Array<ResolversTypes['ExportedEmailLink']>, ParentType, ContextType>;
  emailVerified?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPassword?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  identities?: Resolver<Array<ResolversTypes['ExportedIdentity']>, ParentType, ContextType>;
  lastLoginAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  mfaEnabled?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  recoveryCodesLeft?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  roles?: Resolver<Array<ResolversTypes['Role']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['AccountStatus'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
}>;

export type ExportedEmailLinkResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['ExportedEmailLink'] =
    ResolversParentTypes['ExportedEmailLink'],
> = ResolversObject<{
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  purpose?: Resolver<ResolversTypes['EmailLinkPurpose'], ParentType, ContextType>;
  usedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
}>;

export type ExportedIdentityResolvers<
  ContextType = Context,
  ParentType extends ResolversParentTypes['ExportedIdentity'] =
    ResolversParentTypes['ExportedIdentity'],
> = ResolversObject<{
  provider?: Resolver<ResolversTypes['IdentityProvider'], ParentType, ContextType>;
  subject?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

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
  eraseUser?: Resolver<
    ResolversTypes['EraseUserPayload'],
    ParentType,
    ContextType,
    RequireFields<MutationEraseUserArgs, 'userId'>
  >;
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
  account?: Resolver<ResolversTypes['ExportedAccount'], ParentType, ContextType>;
  auditEvents?: Resolver<
    ResolversTypes['AuditEventConnection'],
    ParentType,
    ContextType,
    RequireFields<MyDataExportAuditEventsArgs, 'first'>
  >;
  generatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  userId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
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
  exportMyData?: Resolver<ResolversTypes['MyDataExport'], ParentType, ContextType>;
  operatorSignInEvents?: Resolver<
    ResolversTypes['AuditEventConnection'],
    ParentType,
    ContextType,
    RequireFields<QueryOperatorSignInEventsArgs, 'first'>
  >;
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
  EraseUserPayload?: EraseUserPayloadResolvers<ContextType>;
  ExportedAccount?: ExportedAccountResolvers<ContextType>;
  ExportedEmailLink?: ExportedEmailLinkResolvers<ContextType>;
  ExportedIdentity?: ExportedIdentityResolvers<ContextType>;
  GoogleLoginStart?: GoogleLoginStartResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  LoginPayload?: LoginPayloadResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  MyDataExport?: MyDataExportResolvers<ContextType>;
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
