import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
  messageId: string | null;
  subject: string | null;
}

export interface TestSmtp {
  /** `smtp://127.0.0.1:<port>` */
  url: string;
  port: number;
  messages: ReceivedMail[];
  /** Stops listening (connections are refused) but keeps the received messages. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

function header(raw: string, name: string): string | null {
  const match = new RegExp(`^${name}:\\s*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(raw);
  return match?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim() ?? null;
}

/** A real SMTP server (smtp-server) on 127.0.0.1, plain text, no auth: receives what the outbox sends. */
export async function startTestSmtp(): Promise<TestSmtp> {
  const messages: ReceivedMail[] = [];
  let server: SMTPServer | undefined;
  let port = 0;
  const listen = async () => {
    server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          messages.push({
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw,
            messageId: header(raw, 'Message-ID'),
            subject: header(raw, 'Subject'),
          });
          callback();
        });
      },
    });
    const current = server;
    await new Promise<void>((ready) => current.listen(port, '127.0.0.1', () => ready()));
    port = (current.server.address() as AddressInfo).port;
  };
  await listen();
  return {
    get url() {
      return `smtp://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    messages,
    async stop() {
      const current = server;
      server = undefined;
      if (current) await new Promise<void>((done) => current.close(() => done()));
    },
    start: listen,
  };
}
