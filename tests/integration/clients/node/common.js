'use strict';
// Shared pieces of the Node.js client tests: the scenario's constants (clientlib.py),
// a step runner printing PASS/FAIL per step, and assertions. Run by run_client.py, which
// exports SW_PROXY_HOST, SW_PROXY_PORT, SW_DB and SW_USER_BASE.
const util = require('util');

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} not set: run through tests/integration/clients/run_client.py`);
    process.exit(2);
  }
  return v;
};

const HOST = process.env.SW_PROXY_HOST || '127.0.0.1';
const PORT = Number(env('SW_PROXY_PORT'));
const DB = env('SW_DB');
const U = BigInt(env('SW_USER_BASE'));
const DIRECT = !!process.env.SW_DIRECT; // reference run on unsharded tables (run_client.py --direct)
const CREATED_AT = '2026-01-02 03:04:05';
const SEED_SLOTS = [1, 17, 40, 63];

// order id of the k-th seed order of user U+s: carries the gene s (% 64)
const oid = (s, k) => String(64n * BigInt(100000 + 10 * s + k) + BigInt(s));
const user = (s) => String(U + BigInt(s));
// the seed: 8 orders of users U+1, U+17 (ds0), U+40, U+63 (ds1)
const seedRows = () => SEED_SLOTS.flatMap((s) => [1, 2].map((k) => ({
  order_id: oid(s, k), user_id: user(s), merchant_id: 1, status: 'new', amount: `${s}.${k}0`,
  region_id: k === 1 ? 1 : null, created_at: CREATED_AT,
})));

// installed version of an npm package (some, like typeorm, do not export package.json)
function pkgVersion(name) {
  return JSON.parse(require('fs').readFileSync(require('path').join(__dirname, 'node_modules', name, 'package.json'))).version;
}

function fmt(v) {
  return util.inspect(v, { depth: 5, breakLength: 200 });
}

function eq(got, want, what) {
  if (!util.isDeepStrictEqual(got, want)) {
    throw new Error(`${what}:\n    expected: ${fmt(want)}\n    got:      ${fmt(got)}`);
  }
}

function check(cond, what) {
  if (!cond) throw new Error(what);
}

// the generated key carries user U+s's gene (not in the unsharded reference run)
function checkGene(key, s, what) {
  check(/^\d+$/.test(String(key)) && BigInt(key) > 0n, `${what}: ${fmt(key)} is not a positive integer`);
  if (!DIRECT) eq(Number(BigInt(key) % 64n), s, `${what}: gene of ${key}`);
}

function errorText(e) {
  const parts = [];
  if (e.errno || e.code) parts.push(`${e.code || ''}${e.errno ? ` ${e.errno}` : ''}${e.sqlState ? ` (${e.sqlState})` : ''}`);
  parts.push(e.message);
  if (e.original && e.original.message && e.original.message !== e.message) parts.push(`cause: ${e.original.message}`);
  if (e.sql) parts.push(`sql: ${String(e.sql).slice(0, 400)}`);
  else if (e.original && e.original.sql) parts.push(`sql: ${String(e.original.sql).slice(0, 400)}`);
  else if (e.query) parts.push(`sql: ${String(e.query).slice(0, 400)}`);
  const at = (e.stack || '').split('\n').find((l) => /_test\.js:\d+/.test(l));
  if (at) parts.push(at.trim());
  return parts.join('\n');
}

class Steps {
  constructor(title) {
    this.steps = [];
    console.log(`${title}, node ${process.version}, logical database ${DB}${DIRECT ? ' (DIRECT reference run)' : ''}`);
  }

  add(name, fn) {
    this.steps.push([name, fn]);
    return this;
  }

  async run(cleanup) {
    let passed = 0;
    let failed = 0;
    for (const [name, fn] of this.steps) {
      try {
        await fn();
        passed++;
        console.log(`PASS ${name}`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${name}`);
        console.error(errorText(e).split('\n').map((l) => `  ${l}`).join('\n'));
      }
    }
    try {
      if (cleanup) await cleanup();
    } catch (e) {
      console.error(`  cleanup: ${errorText(e)}`);
    }
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  }
}

module.exports = {
  HOST, PORT, DB, U, DIRECT, CREATED_AT, SEED_SLOTS, oid, user, seedRows, eq, check, checkGene, Steps, pkgVersion,
  // mysql2 connection options shared by the drivers: 63-bit keys and DECIMALs as strings,
  // DATETIME as text (no time zone conversion)
  connOptions: {
    host: HOST, port: PORT, user: 'app', password: 'app', database: DB, connectTimeout: 10000,
    supportBigNumbers: true, bigNumberStrings: true, dateStrings: true,
  },
};
