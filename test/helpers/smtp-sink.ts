/**
 * A real SMTP server on 127.0.0.1 for email tests, speaking just enough of RFC 5321 (EHLO, MAIL, RCPT, DATA, QUIT)
 * to record each message: envelope, headers and the decoded body. `nextMessage()` resolves when the next one has
 * been accepted; `rcptReply` lets a test refuse recipients (e.g. "550 no such user").
 */
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  from: string;
  to: string[];
  headers: Record<string, string>;
  /** The body, base64 decoded when the message says so. */
  text: string;
}

export interface SmtpSink {
  port: number;
  messages: ReceivedMail[];
  nextMessage(): Promise<ReceivedMail>;
  /** The answer to RCPT TO; "250 OK" unless a test changes it. */
  rcptReply: string;
  close(): Promise<void>;
}

function parse(from: string, to: string[], data: string): ReceivedMail {
  const [head = '', ...rest] = data.split('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = rest.join('\r\n\r\n');
  const text = headers['content-transfer-encoding'] === 'base64' ? Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8') : body;
  return { from, to, headers, text };
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  let waiters: ((m: ReceivedMail) => void)[] = [];
  const sockets = new Set<Socket>();
  const sink: SmtpSink = {
    port: 0,
    messages,
    rcptReply: '250 OK',
    nextMessage: () => new Promise((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    let from = '';
    let to: string[] = [];
    let data: string | undefined;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 smtp-sink ready');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (data !== undefined) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const message = parse(from, to, data + buffer.slice(0, end));
          buffer = buffer.slice(end + 5);
          data = undefined;
          messages.push(message);
          const woken = waiters;
          waiters = [];
          for (const wake of woken) wake(message);
          reply('250 OK: queued');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') reply('250-smtp-sink\r\n250 8BITMIME');
        else if (verb === 'MAIL') {
          from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          to = [];
          reply('250 OK');
        } else if (verb === 'RCPT') {
          to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply(sink.rcptReply);
        } else if (verb === 'DATA') {
          data = '';
          reply('354 End data with <CR><LF>.<CR><LF>');
        } else if (verb === 'QUIT') {
          reply('221 Bye');
          socket.end();
        } else reply('502 Command not implemented');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = (server.address() as AddressInfo).port;
  return sink;
}
