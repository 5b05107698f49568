import { rule } from 'graphql-shield';
import {
  allow,
  isSelf,
  or,
  hasPermission,
  isAuthenticated,
  isDataSubject,
  isOperator,
  isTenantMember,
  type PermissionRules,
} from '@tradesage/shared';

/** The account a sign-in returned to the one who signed in (marked by the resolver). */
const returnedToItsUser = rule({ cache: 'no_cache' })(
  (parent: { returnedToItsUser?: boolean }) => parent?.returnedToItsUser === true,
);

const accountDetails = or(isSelf, returnedToItsUser, hasPermission('users:read'));

export const permissions: PermissionRules = {
  Query: {
    authStatus: allow,
    auditLog: hasPermission('audit:read'),
    exportMyData: isTenantMember,
    operatorSignInEvents: isOperator,
  },
  Mutation: {
    // Sign-in flows are for anonymous callers; each checks its own credentials or token.
    register: allow,
    login: allow,
    refreshSession: allow,
    requestPasswordReset: allow,
    resetPassword: allow,
    verifyEmail: allow,
    acceptInvitation: allow,
    startGoogleLogin: allow,
    completeGoogleLogin: allow,
    operatorLogin: allow,
    logout: isAuthenticated,
    enrollTotp: isAuthenticated,
    confirmTotp: isAuthenticated,
    changePassword: isTenantMember,
    inviteUser: hasPermission('users:invite'),
    assignRole: hasPermission('roles:assign'),
    revokeRole: hasPermission('roles:assign'),
    disableUser: hasPermission('users:disable'),
    // An OWNER erases anyone (users:erase, checked on the stored roles); anyone else only
    // themselves, where the tenant allows it: the resolver decides.
    eraseUser: isTenantMember,
  },
  AuthStatus: allow,
  // Payloads of the flows above: whoever got one may read it.
  RegisterPayload: allow,
  LoginPayload: allow,
  TokenPair: allow,
  GoogleLoginStart: allow,
  TotpEnrollment: allow,
  TotpConfirmation: allow,
  OperatorLoginPayload: allow,
  Operator: allow,
  Session: allow,
  // A user is reached only through a payload above or by reference in the caller's own tenant.
  // Colleagues see who someone is; their account details are for themselves and for admins.
  User: {
    id: allow,
    name: allow,
    email: accountDetails,
    emailVerified: accountDetails,
    roles: accountDetails,
    permissions: accountDetails,
    status: accountDetails,
    lastLoginAt: accountDetails,
    mfaEnabled: accountDetails,
  },
  AuditEvent: allow,
  AuditEventEdge: allow,
  AuditEventConnection: allow,
  PageInfo: allow,
  // A data export is the caller's own; its parts are reached only through it.
  MyDataExport: isDataSubject,
  ExportedAccount: isTenantMember,
  ExportedIdentity: isTenantMember,
  ExportedEmailLink: isTenantMember,
  EraseUserPayload: isTenantMember,
  TenantUsage: isAuthenticated,
};
