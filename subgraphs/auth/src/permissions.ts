import {
  allow,
  can,
  isAuthenticated,
  isTenantMember,
  type PermissionRules,
} from '@tradesage/shared';

export const permissions: PermissionRules = {
  Query: { authStatus: allow, auditLog: can('audit:read') },
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
  User: allow,
  AuditEvent: allow,
  AuditEventEdge: allow,
  AuditEventConnection: allow,
  PageInfo: allow,
  TenantUsage: isAuthenticated,
};
