import nodemailer, { type Transporter } from 'nodemailer';
import type { Config, Logger } from '@tradesage/shared';

/** The e-mails the auth service sends; each link carries a single-use token. */
export type MailKind =
  'INVITATION' | 'EMAIL_VERIFICATION' | 'PASSWORD_RESET' | 'ALREADY_REGISTERED';

export interface MailRequest {
  kind: MailKind;
  to: string;
  tenantName: string;
  /** The single-use token the link carries (none for ALREADY_REGISTERED). */
  token?: string;
}

/** Where each link lands in the React app. */
const LINK_PATHS: Record<Exclude<MailKind, 'ALREADY_REGISTERED'>, string> = {
  INVITATION: '/accept-invitation',
  EMAIL_VERIFICATION: '/verify-email',
  PASSWORD_RESET: '/reset-password',
};

/** Sends mail over SMTP (nodemailer, pooled connection). */
export class Mailer {
  private readonly transport: Transporter;

  constructor(
    private readonly config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'PUBLIC_APP_URL'>,
    private readonly log: Logger,
  ) {
    this.transport = nodemailer.createTransport(config.SMTP_URL);
  }

  async send(request: MailRequest): Promise<void> {
    const { subject, text } = this.compose(request);
    await this.transport.sendMail({ from: this.config.MAIL_FROM, to: request.to, subject, text });
    // The address and kind only: the token never reaches a log.
    this.log.info({ kind: request.kind }, 'mail sent');
  }

  close(): void {
    this.transport.close();
  }

  private link(kind: Exclude<MailKind, 'ALREADY_REGISTERED'>, token: string): string {
    const url = new URL(LINK_PATHS[kind], this.config.PUBLIC_APP_URL);
    url.searchParams.set('token', token);
    return url.toString();
  }

  private compose({ kind, tenantName, token }: MailRequest): { subject: string; text: string } {
    switch (kind) {
      case 'INVITATION':
        return {
          subject: `You are invited to ${tenantName} on TradeSage`,
          text: `You have been invited to ${tenantName} on TradeSage.\n\nSet your password here:\n${this.link(kind, token!)}\n\nThe link works once and expires.`,
        };
      case 'EMAIL_VERIFICATION':
        return {
          subject: 'Confirm your e-mail address',
          text: `Confirm your e-mail address for ${tenantName} on TradeSage:\n${this.link(kind, token!)}\n\nIf you did not register, ignore this message.`,
        };
      case 'PASSWORD_RESET':
        return {
          subject: 'Reset your TradeSage password',
          text: `Someone asked to reset your password for ${tenantName} on TradeSage.\n\nChoose a new password here:\n${this.link(kind, token!)}\n\nThe link works once and expires soon. Resetting signs you out everywhere. If it was not you, ignore this message.`,
        };
      case 'ALREADY_REGISTERED':
        return {
          subject: 'You already have a TradeSage account',
          text: `Someone tried to register this address with ${tenantName} on TradeSage, but it already has an account.\n\nIf it was you, sign in, or reset your password from the sign-in page. If not, you need do nothing.`,
        };
    }
  }
}
