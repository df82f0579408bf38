'use strict';
// node mysql2 through the proxy on the sharded demo layout: the client scenario of
// clientlib.py. Argument "execute": every statement through connection.execute()
// (server-side prepared statements, cached per connection, binary rows); default
// "query": connection.query() (the driver interpolates the parameters, COM_QUERY).
const mysql = require('mysql2/promise');
const { CREATED_AT, oid, user, seedRows, eq, checkGene, Steps, pkgVersion, connOptions } = require('./common');

const MODE = process.argv[2] === 'execute' ? 'execute' : 'query';
const COLS = 'order_id, user_id, merchant_id, status, amount, region_id, created_at';
let conn;

const connect = () => mysql.createConnection(connOptions);
const run = (c, sql, params) => (MODE === 'execute' ? c.execute(sql, params) : c.query(sql, params));
const rows = async (c, sql, params) => (await run(c, sql, params))[0];
const users = (c, ...slots) => rows(c,
  `SELECT CAST(user_id - ? AS CHAR) AS s, status, amount FROM order_info WHERE user_id IN (${slots.map(() => '?').join(', ')})
   ORDER BY user_id, status, amount`, [user(0), ...slots.map(user)]);

async function tx(commit, ...slots) {
  await conn.beginTransaction();
  try {
    for (const s of slots) {
      const [res] = await run(conn, `INSERT INTO order_info (${COLS}) VALUES (?, ?, 1, 'txi', ?, NULL, ?)`,
        [oid(s, 1), user(s), `${s}.00`, CREATED_AT]);
      eq(res.affectedRows, 1, `INSERT for U+${s} in the transaction`);
    }
    eq(await users(conn, ...slots), slots.map((s) => ({ s: String(s), status: 'txi', amount: `${s}.00` })), 'own rows');
    const [res] = await run(conn, `UPDATE order_info SET status = 'tx' WHERE user_id IN (${slots.map(() => '?').join(', ')})`,
      slots.map(user));
    eq(res.affectedRows, slots.length, 'UPDATE in the transaction');
  } catch (e) {
    await conn.rollback();
    throw e;
  }
  await (commit ? conn.commit() : conn.rollback());
  const want = commit ? slots.map((s) => ({ s: String(s), status: 'tx', amount: `${s}.00` })) : [];
  eq(await users(conn, ...slots), want, commit ? 'after commit()' : 'after rollback()');
  const other = await connect();
  try {
    eq(await users(other, ...slots), want, 'seen from another session');
  } finally {
    await other.end();
  }
}

new Steps(`mysql2 ${pkgVersion('mysql2')} ${MODE}()`)
  .add('connect', async () => { conn = await connect(); })
  .add('seed (one statement re-executed on 4 shards, NULL param)', async () => {
    for (const r of seedRows()) {
      const [res] = await run(conn, `INSERT INTO order_info (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [r.order_id, r.user_id, r.merchant_id, r.status, r.amount, r.region_id, r.created_at]);
      eq(res.affectedRows, 1, `rows inserted for ${r.user_id}`);
    }
  })
  .add('reuse_select_across_shards', async () => {
    for (const [s, k] of [[1, 1], [40, 2], [17, 2], [63, 1]]) {
      eq(await rows(conn, 'SELECT user_id, status, amount, region_id FROM order_info WHERE order_id = ?', [oid(s, k)]),
        [{ user_id: user(s), status: 'new', amount: `${s}.${k}0`, region_id: k === 1 ? 1 : null }], `oid(${s}, ${k})`);
    }
  })
  .add('multi_shard_read', async () => {
    eq(await rows(conn, 'SELECT order_id, user_id, amount FROM order_info ORDER BY amount DESC, order_id LIMIT 3'),
      [{ order_id: oid(63, 2), user_id: user(63), amount: '63.20' }, { order_id: oid(63, 1), user_id: user(63), amount: '63.10' },
        { order_id: oid(40, 2), user_id: user(40), amount: '40.20' }], 'ORDER BY amount DESC LIMIT 3 over all shards');
    eq(await rows(conn, 'SELECT COUNT(*) AS n, SUM(amount) AS total FROM order_info'), [{ n: '8', total: '243.20' }],
      'COUNT(*), SUM(amount)');
    eq(await rows(conn, 'SELECT DISTINCT user_id FROM order_info WHERE user_id BETWEEN ? AND ? ORDER BY user_id DESC',
      [user(0), user(63)]), [63, 40, 17, 1].map((s) => ({ user_id: user(s) })), 'DISTINCT user_id BETWEEN ? AND ?');
  })
  .add('limit_param (LIMIT ?, ? over all shards)', async () => {
    eq(await rows(conn, 'SELECT order_id FROM order_info ORDER BY amount DESC, order_id LIMIT ?, ?', [1, 2]),
      [{ order_id: oid(63, 1) }, { order_id: oid(40, 2) }], 'LIMIT ?, ? (1, 2)');
  })
  .add('read_by_user', async () => {
    eq(await rows(conn, `SELECT ${COLS} FROM order_info WHERE user_id = ? ORDER BY order_id`, [user(40)]),
      [1, 2].map((k) => ({ order_id: oid(40, k), user_id: user(40), merchant_id: '1', status: 'new', amount: `40.${k}0`,
        region_id: k === 1 ? 1 : null, created_at: CREATED_AT })), "user U+40's orders");
  })
  .add('read_by_order', async () => {
    eq(await rows(conn, 'SELECT user_id, status, amount FROM order_info WHERE order_id = ?', [oid(17, 1)]),
      [{ user_id: user(17), status: 'new', amount: '17.10' }], 'order oid(17, 1)');
  })
  .add('generated_key (insertId)', async () => {
    const [res] = await run(conn, 'INSERT INTO order_info (user_id, merchant_id, status, amount, created_at) VALUES (?, ?, ?, ?, ?)',
      [user(5), 1, 'gen', '5.00', CREATED_AT]);
    checkGene(res.insertId, 5, 'insertId');
    eq(await rows(conn, 'SELECT user_id, status FROM order_info WHERE order_id = ?', [String(res.insertId)]),
      [{ user_id: user(5), status: 'gen' }], 'the generated row by its key');
  })
  .add('update', async () => {
    let [res] = await run(conn, 'UPDATE order_info SET status = ?, amount = amount + ? WHERE order_id = ?', ['paid', 100, oid(1, 1)]);
    eq(res.affectedRows, 1, 'rows updated by order_id');
    [res] = await run(conn, 'UPDATE order_info SET status = ? WHERE user_id = ?', ['shipped', user(17)]);
    eq(res.affectedRows, 2, 'rows updated by user_id');
    eq(await users(conn, 1, 17), [['1', 'new', '1.20'], ['1', 'paid', '101.10'], ['17', 'shipped', '17.10'], ['17', 'shipped', '17.20']]
      .map(([s, status, amount]) => ({ s, status, amount })), 'after the UPDATEs');
  })
  .add('delete', async () => {
    const [res] = await run(conn, 'DELETE FROM order_info WHERE order_id = ?', [oid(63, 2)]);
    eq(res.affectedRows, 1, 'rows deleted');
    eq(await users(conn, 63), [{ s: '63', status: 'new', amount: '63.10' }], 'user U+63 after the DELETE');
  })
  .add('tx_commit', () => tx(true, 9))
  .add('tx_rollback', () => tx(false, 10))
  .add('tx_commit_cross', () => tx(true, 11, 52))
  .add('tx_rollback_cross', () => tx(false, 12, 53))
  .run(() => conn && conn.end());
