import net from 'node:net';
import { port } from './helpers';

/// Where the server under test sends mail (playwright.config.ts sets
/// SHOPFLOOR_SMTP_URL to it). Nothing listens there unless a test starts the
/// sink: then sending fails and the app behaves as when a mail server is down.
export const smtpPort = port + 25;

/// A bare SMTP server on a real socket: accepts every message and keeps its
/// DATA (quoted-printable soft line breaks undone).
export class SmtpSink {
  readonly mails: string[] = [];
  private server: net.Server;

  private constructor(server: net.Server) {
    this.server = server;
  }

  static async start(): Promise<SmtpSink> {
    const sink = new SmtpSink(net.createServer());
    sink.server.on('connection', (socket) => sink.serve(socket));
    await new Promise<void>((resolve, reject) => {
      sink.server.once('error', reject);
      sink.server.listen(smtpPort, '127.0.0.1', () => resolve());
    });
    return sink;
  }

  private serve(socket: net.Socket): void {
    let buffer = '';
    let data: string[] | null = null;
    socket.write('220 sink ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data) {
          if (line === '.') {
            this.mails.push(data.join('\n').replace(/=\n/g, ''));
            data = null;
            socket.write('250 queued\r\n');
          } else {
            data.push(line.startsWith('..') ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.split(' ')[0].toUpperCase();
        if (verb === 'EHLO') socket.write('250-sink\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') {
          data = [];
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') {
          socket.end('221 bye\r\n');
        } else socket.write('250 OK\r\n');
      }
    });
    socket.on('error', () => {});
  }

  /// The first mail (from now on or already kept) for which `match` holds.
  async waitFor(match: (mail: string) => boolean, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.mails.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching mail among ${this.mails.length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
