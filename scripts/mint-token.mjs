#!/usr/bin/env node
// Mints an HMAC-signed connection token for socket-server (for tests and local development).
// Node.js 18+, no npm packages.
//
//   node scripts/mint-token.mjs --secret S --sub alice [--ttl 3600] [--rooms a,b]
//                               [--aud A] [--iss I] [--alg HS256|HS384|HS512]
//
// --secret defaults to $AUTH_JWT_SECRET (keeps the secret out of shell history). Prints the token.
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';

const usage = 'usage: node scripts/mint-token.mjs --secret S --sub alice [--ttl 3600] [--rooms a,b] '
  + '[--aud A] [--iss I] [--alg HS256|HS384|HS512]';
const HASH = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };
const MIN_SECRET_BYTES = { HS256: 32, HS384: 48, HS512: 64 };

function fail(message) {
  process.stderr.write(`mint-token: ${message}\n${usage}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      secret: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      rooms: { type: 'string' },
      aud: { type: 'string' },
      iss: { type: 'string' },
      alg: { type: 'string', default: 'HS256' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (e) {
  fail(e.message);
}
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

const secret = values.secret ?? process.env.AUTH_JWT_SECRET;
const alg = values.alg.toUpperCase();
if (!HASH[alg]) fail(`--alg must be one of ${Object.keys(HASH).join(', ')}`);
if (!secret) fail('--secret (or AUTH_JWT_SECRET) is required');
if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES[alg]) {
  fail(`${alg} needs a secret of at least ${MIN_SECRET_BYTES[alg]} bytes (the server refuses shorter ones)`);
}
if (!values.sub || !values.sub.trim()) fail('--sub is required');
if (!/^[1-9][0-9]*$/.test(values.ttl)) fail('--ttl must be a positive number of seconds');

const now = Math.floor(Date.now() / 1000);
const claims = { sub: values.sub, iat: now, exp: now + Number(values.ttl) };
if (values.rooms !== undefined) {
  claims.rooms = values.rooms.split(',').map((r) => r.trim()).filter((r) => r.length > 0);
}
if (values.aud) claims.aud = values.aud;
if (values.iss) claims.iss = values.iss;

const b64url = (data) => Buffer.from(data).toString('base64url');
const signingInput = `${b64url(JSON.stringify({ alg, typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
const signature = createHmac(HASH[alg], secret).update(signingInput).digest('base64url');
process.stdout.write(`${signingInput}.${signature}\n`);
