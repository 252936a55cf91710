/**
 * A minimal SMTP client (RFC 5321) for email subscriptions: one connection per message to the relay the operator
 * configures — EHLO, optional AUTH PLAIN, MAIL FROM, RCPT TO, DATA, QUIT. No installed package sends mail, and a
 * relay (Postfix, Mailpit, a provider's submission port) needs no more than this; TLS is the implicit kind
 * (`secure`, port 465), so credentials never cross the network in the clear. The body goes base64-encoded, which
 * keeps every line short whatever the message holds. Timeouts run on the clock, like every other call out.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Clock } from '../../clock.js';

export interface SmtpConfig {
  host: string;
  port: number;
  /** The envelope sender and From address. */
  from: string;
  /** Implicit TLS from the first byte (port 465); required for `username`/`password`. */
  secure?: boolean;
  username?: string;
  password?: string;
}

export interface Mail {
  /** The From header's display name, if any. */
  fromName?: string;
  to: string;
  subject: string;
  text: string;
}

/** Why a message was not sent: the server's permanent (5xx) or transient (4xx) refusal, or no answer at all. */
export class SmtpError extends Error {
  constructor(
    readonly kind: 'permanent' | 'transient' | 'network' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 30_000;
const HELO_NAME = 'mailroom.localhost';

export class SmtpClient {
  constructor(
    private readonly config: SmtpConfig,
    private readonly clock: Clock,
  ) {}

  async send(mail: Mail, signal?: AbortSignal): Promise<void> {
    const session = await Session.open(this.config, this.clock, signal);
    try {
      await session.expect(220);
      await session.command(`EHLO ${HELO_NAME}`, 250);
      const { username, password } = this.config;
      if (username !== undefined && password !== undefined) {
        await session.command(`AUTH PLAIN ${Buffer.from(`\0${username}\0${password}`).toString('base64')}`, 235);
      }
      await session.command(`MAIL FROM:<${this.config.from}>`, 250);
      await session.command(`RCPT TO:<${mail.to}>`, 250, 251);
      await session.command('DATA', 354);
      await session.command(`${this.#format(mail)}\r\n.`, 250);
      await session.command('QUIT', 221).catch(() => undefined);
    } finally {
      session.close();
    }
  }

  #format(mail: Mail): string {
    const from = mail.fromName ? `${encodeWord(mail.fromName)} <${this.config.from}>` : this.config.from;
    const headers = [
      `From: ${from}`,
      `To: <${mail.to}>`,
      `Subject: ${encodeWord(mail.subject)}`,
      `Date: ${new Date(this.clock.now()).toUTCString()}`,
      `Message-ID: <${randomUUID()}@mailroom>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: base64',
    ];
    // base64 lines never start with a dot, so the data needs no dot-stuffing.
    const body = Buffer.from(mail.text, 'utf8').toString('base64').match(/.{1,76}/g) ?? [];
    return [...headers, '', ...body].join('\r\n');
  }
}

/** A header value as an RFC 2047 encoded word when it is not plain ASCII. */
function encodeWord(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}


/** One connection: sends commands and reads the replies (a reply may span lines "250-..." up to "250 ..."). */
class Session {
  #buffer = '';
  #lines: string[] = [];
  #waiting: ((line: string | Error) => void) | undefined;
  #failure: Error | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly clock: Clock,
    private readonly signal: AbortSignal | undefined,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let end: number;
      while ((end = this.#buffer.indexOf('\r\n')) >= 0) {
        this.#lines.push(this.#buffer.slice(0, end));
        this.#buffer = this.#buffer.slice(end + 2);
      }
      this.#deliver();
    });
    const fail = (err: Error) => {
      this.#failure ??= err;
      this.#deliver();
    };
    socket.on('error', (err) => fail(new SmtpError('network', err.message)));
    socket.on('close', () => fail(new SmtpError('network', 'The SMTP server closed the connection.')));
  }

  static open(config: SmtpConfig, clock: Clock, signal: AbortSignal | undefined): Promise<Session> {
    return new Promise((resolve, reject) => {
      const socket = config.secure ? tls.connect({ host: config.host, port: config.port, servername: config.host }) : net.connect({ host: config.host, port: config.port });
      const session = new Session(socket, clock, signal);
      // Replies are read as they come; the greeting is awaited by the caller, so connecting is enough here.
      socket.once(config.secure ? 'secureConnect' : 'connect', () => resolve(session));
      socket.once('error', (err) => reject(new SmtpError('network', err.message)));
    });
  }

  async command(line: string, ...accepted: number[]): Promise<void> {
    this.socket.write(`${line}\r\n`);
    await this.expect(...accepted);
  }

  /** Reads one reply and checks its code. */
  async expect(...accepted: number[]): Promise<void> {
    let reply: string;
    do reply = await this.#line();
    while (/^\d{3}-/.test(reply));
    const code = Number(reply.slice(0, 3));
    if (accepted.includes(code)) return;
    throw new SmtpError(code >= 500 ? 'permanent' : 'transient', `The SMTP server answered: ${reply}`);
  }

  close(): void {
    this.socket.destroy();
  }

  #line(): Promise<string> {
    if (this.#lines.length > 0) return Promise.resolve(this.#lines.shift()!);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimer(TIMEOUT_MS, () => {
        this.#waiting = undefined;
        reject(new SmtpError('timeout', `No answer from the SMTP server within ${TIMEOUT_MS} ms.`));
      });
      const onAbort = () => this.#failure === undefined && this.socket.destroy(new Error('aborted'));
      this.signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting = (line) => {
        timer.cancel();
        this.signal?.removeEventListener('abort', onAbort);
        if (line instanceof Error) reject(line);
        else resolve(line);
      };
    });
  }

  #deliver(): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    if (this.#lines.length > 0) {
      this.#waiting = undefined;
      waiting(this.#lines.shift()!);
    } else if (this.#failure) {
      this.#waiting = undefined;
      waiting(this.#failure);
    }
  }
}
