'use strict';
// node mysql2 over TLS and with caching_sha2_password, run by tests/integration/tls_test.py
// (SW_PROXY_PORT, SW_CA: the proxy's CA, SW_SHA2H_PASSWORD: the password of the user the
// proxy knows only by MySQL's stored hash).
const fs = require('fs');
const mysql = require('mysql2/promise');

const base = { host: '127.0.0.1', port: Number(process.env.SW_PROXY_PORT), connectTimeout: 10000 };
const ca = fs.readFileSync(process.env.SW_CA);
let failed = 0;

async function step(name, fn) {
  try {
    await fn();
    console.log(`PASS ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
  }
}

async function value(options, sql) {
  const conn = await mysql.createConnection({ ...base, ...options });
  try {
    const [rows] = await conn.query(sql);
    return { value: Object.values(rows[0])[0], tls: conn.connection.stream.encrypted === true };
  } finally {
    await conn.end();
  }
}

async function refused(options, code) {
  try {
    await value(options, 'SELECT 1');
  } catch (e) {
    if (e.errno !== code) throw new Error(`expected errno ${code}, got ${e.errno}: ${e.message}`);
    return;
  }
  throw new Error('connected, but should have been refused');
}

function same(got, want, what) {
  if (got !== want) throw new Error(`${what}: expected ${want}, got ${got}`);
}

(async () => {
  console.log(`mysql2 ${require('mysql2/package.json').version}, node ${process.version}`);
  await step('native password over verified TLS', async () => {
    const r = await value({ user: 'app', password: 'app', ssl: { ca, rejectUnauthorized: true } }, 'SELECT 1 + 1 AS v');
    same(r.value, 2, 'value');
    same(r.tls, true, 'encrypted');
  });
  await step('caching_sha2_password fast path, plain', async () => {
    const r = await value({ user: 'sha2', password: 'sha2' }, "SELECT 'sha2' AS v");
    same(r.value, 'sha2', 'value');
    same(r.tls, false, 'encrypted');
  });
  await step('caching_sha2_password over TLS', async () => {
    same((await value({ user: 'sha2', password: 'sha2', ssl: { ca } }, 'SELECT 3 AS v')).value, 3, 'value');
  });
  await step('caching_sha2_password full authentication (stored hash) over TLS, then fast', async () => {
    const pw = process.env.SW_SHA2H_PASSWORD;
    same((await value({ user: 'sha2h', password: pw, ssl: { ca } }, 'SELECT 4 AS v')).value, 4, 'value');
    same((await value({ user: 'sha2h', password: pw }, 'SELECT 5 AS v')).value, 5, 'value');
  });
  await step('wrong passwords and the TLS-only user without TLS are refused (1045)', async () => {
    await refused({ user: 'sha2', password: 'nope' }, 1045);
    await refused({ user: 'tlsonly', password: 'tlsonly' }, 1045);
    same((await value({ user: 'tlsonly', password: 'tlsonly', ssl: { ca } }, 'SELECT 6 AS v')).value, 6, 'value');
  });
  await step('a certificate from another CA is refused by the client', async () => {
    try {
      await value({ user: 'app', password: 'app', ssl: { ca: fs.readFileSync(__filename), rejectUnauthorized: true } }, 'SELECT 1');
    } catch (e) {
      return;
    }
    throw new Error('connected without a trusted certificate');
  });
  console.log(failed ? `${failed} FAILED` : 'all passed');
  process.exit(failed ? 1 : 0);
})();
