// A real SMTP server for the tests: npm's `smtp-server` on a free loopback port. SMTP_MODE is
// `starttls` (the default), `tls` (implicit TLS) or `none`; SMTP_KEY and SMTP_CERT name the PEM
// files of its certificate; with SMTP_USER and SMTP_PASS it requires that sign-in. It prints
// `{"port": N}` once listening, then one JSON line per message received: envelope, the signed-in
// user, whether the connection was encrypted, and the message as sent.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../ui/package.json', import.meta.url));
const { SMTPServer } = require('smtp-server');

const mode = process.env.SMTP_MODE ?? 'starttls';
const user = process.env.SMTP_USER;
const pass = process.env.SMTP_PASS;
const tls =
  mode === 'none' ? {} : { key: readFileSync(process.env.SMTP_KEY), cert: readFileSync(process.env.SMTP_CERT) };

const server = new SMTPServer({
  ...tls,
  secure: mode === 'tls',
  disabledCommands: mode === 'none' ? ['STARTTLS'] : [],
  authOptional: !user,
  allowInsecureAuth: mode === 'none',
  logger: false,
  onAuth(auth, _session, callback) {
    if (auth.username === user && auth.password === pass) callback(null, { user });
    else callback(new Error('Invalid username or password'));
  },
  onData(stream, session, callback) {
    let data = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      data += chunk;
    });
    stream.on('end', () => {
      console.log(
        JSON.stringify({
          from: session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user ?? null,
          secure: Boolean(session.secure),
          data,
        }),
      );
      callback();
    });
  },
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.server.address().port })));
