/**
 * A real SMTP server on loopback that keeps every message it receives, so tests can assert on
 * the mail the services send (and follow the links in it) without a mail provider.
 */
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  /** Envelope recipients (RCPT TO), lower-cased. */
  to: string[];
  /** The header From address, else the envelope MAIL FROM. */
  from: string;
  subject: string;
  text: string;
  html?: string;
  /** Every http(s) URL in the text part, in order. */
  links: string[];
}

export interface SmtpCapture {
  /** smtp://127.0.0.1:<port> */
  url: string;
  port: number;
  messages: CapturedMail[];
  /** Resolves with the first message (already received or arriving later) matching, rejects after timeoutMs (default 10000). */
  waitFor(predicate: (m: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  clear(): void;
  close(): Promise<void>;
}

interface Waiter {
  predicate: (m: CapturedMail) => boolean;
  resolve: (m: CapturedMail) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

// Stops before whitespace, quotes and brackets, which wrap links in text rendered from HTML.
const LINK_PATTERN = /https?:\/\/[^\s<>"'()[\]]+/g;

/** The http(s) URLs in a text, without sentence punctuation that follows them. */
function extractLinks(text: string): string[] {
  return (text.match(LINK_PATTERN) ?? []).map((link) => link.replace(/[.,;:!?]+$/, ''));
}

function firstAddress(from: AddressObject | AddressObject[] | undefined): string | undefined {
  const objects = Array.isArray(from) ? from : from ? [from] : [];
  return objects.flatMap((object) => object.value).find((entry) => entry.address)?.address;
}

export async function startSmtpCapture(): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  let waiters: Waiter[] = [];

  const deliver = (mail: CapturedMail) => {
    messages.push(mail);
    for (const waiter of waiters.filter((w) => w.predicate(mail))) {
      clearTimeout(waiter.timer);
      waiter.resolve(mail);
    }
    waiters = waiters.filter((w) => !w.predicate(mail));
  };

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // A service with a pooled transport keeps its connection open; don't wait 30s for it.
    closeTimeout: 500,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const text = parsed.text ?? '';
          const mailFrom = session.envelope.mailFrom;
          deliver({
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
            from: firstAddress(parsed.from) ?? (mailFrom ? mailFrom.address : ''),
            subject: parsed.subject ?? '',
            text,
            html: typeof parsed.html === 'string' ? parsed.html : undefined,
            links: extractLinks(text),
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.server.address() as { port: number }).port);
    });
  });

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitFor(predicate, timeoutMs = 10_000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<CapturedMail>((resolve, reject) => {
        const waiter: Waiter = {
          predicate,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters = waiters.filter((w) => w !== waiter);
            const seen = messages.map((m) => `${m.to.join(',')}: ${m.subject}`).join('; ');
            reject(
              new Error(
                `no matching mail within ${timeoutMs}ms (received ${messages.length}${seen ? `: ${seen}` : ''})`,
              ),
            );
          }, timeoutMs),
        };
        waiters.push(waiter);
      });
    },
    clear() {
      messages.length = 0;
    },
    async close() {
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error('SMTP capture closed'));
      }
      waiters = [];
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
