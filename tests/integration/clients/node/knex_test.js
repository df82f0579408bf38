'use strict';
// knex (query builder on mysql2) through the proxy on the sharded demo layout: the schema
// builder creates a new sharded table (order_event: its rule is in the proxy's config,
// clientlib.EXTRA_TABLES; run_client.py checks the 64 physical tables on the backends),
// hasTable/hasColumn (information_schema under logical names), then the client scenario of
// clientlib.py with the query builder and knex.transaction().
const Knex = require('knex');
const { CREATED_AT, DIRECT, oid, user, seedRows, eq, check, checkGene, Steps, pkgVersion, connOptions } = require('./common');

const knex = Knex({ client: 'mysql2', connection: connOptions, pool: { min: 0, max: 4 } });
const orders = (db = knex) => db('order_info');
const users = (db, ...slots) => orders(db).select(knex.raw('CAST(user_id - ? AS CHAR) AS s', [user(0)]), 'status', 'amount')
  .whereIn('user_id', slots.map(user)).orderBy(['user_id', 'status', 'amount']);

async function tx(commit, ...slots) {
  const want = slots.map((s) => ({ s: String(s), status: 'tx', amount: `${s}.00` }));
  const work = async (trx) => {
    await orders(trx).insert(slots.map((s) => ({ order_id: oid(s, 1), user_id: user(s), merchant_id: 1, status: 'txi',
      amount: `${s}.00`, region_id: null, created_at: CREATED_AT })));
    eq(await users(trx, ...slots), slots.map((s) => ({ s: String(s), status: 'txi', amount: `${s}.00` })), 'own rows');
    eq(await orders(trx).whereIn('user_id', slots.map(user)).update({ status: 'tx' }), slots.length, 'UPDATE in the tx');
  };
  if (commit) {
    await knex.transaction(work); // commits when the callback resolves
  } else {
    const trx = await knex.transaction();
    try {
      await work(trx);
    } finally {
      await trx.rollback();
    }
  }
  eq(await users(knex, ...slots), commit ? want : [], commit ? 'after the commit' : 'after the rollback');
}

new Steps(`knex ${pkgVersion('knex')} (mysql2 ${pkgVersion('mysql2')})`)
  .add('schema_create_table (sharded order_event)', async () => {
    await knex.schema.createTable('order_event', (t) => {
      // event_id comes from the proxy's key generator (the unsharded reference: AUTO_INCREMENT)
      if (DIRECT) t.bigIncrements('event_id'); else t.bigInteger('event_id').notNullable().primary();
      t.bigInteger('order_id').notNullable();
      t.bigInteger('user_id').notNullable();
      t.string('kind', 16).notNullable();
      t.index(['user_id'], 'idx_event_user');
    });
  })
  .add('schema_metadata (hasTable / hasColumn)', async () => {
    eq({
      "hasTable('order_event')": await knex.schema.hasTable('order_event'),
      "hasTable('order_info')": await knex.schema.hasTable('order_info'),
      "hasTable('region')": await knex.schema.hasTable('region'),
      "hasColumn('order_info', 'amount')": await knex.schema.hasColumn('order_info', 'amount'),
      "hasTable('no_such_table')": await knex.schema.hasTable('no_such_table'),
    }, {
      "hasTable('order_event')": true,
      "hasTable('order_info')": true,
      "hasTable('region')": true,
      "hasColumn('order_info', 'amount')": true,
      "hasTable('no_such_table')": false,
    }, 'schema metadata of the logical database');
  })
  .add('new_table_crud (generated event_id)', async () => {
    const [id] = await knex('order_event').insert({ order_id: oid(3, 1), user_id: user(3), kind: 'created' });
    check(/^\d+$/.test(String(id)) && BigInt(id) > 0n, `generated event_id ${id}`);
    await knex('order_event').insert({ event_id: '77', order_id: oid(45, 1), user_id: user(45), kind: 'paid' });
    eq(await knex('order_event').select('user_id', 'kind').where({ event_id: String(id) }),
      [{ user_id: user(3), kind: 'created' }], 'event by its generated id');
    eq(await knex('order_event').select('event_id', 'kind').where({ user_id: user(45) }),
      [{ event_id: '77', kind: 'paid' }], 'event of U+45 (ds1)');
    eq(await knex('order_event').count({ n: '*' }), [{ n: '2' }], 'events over all shards');
  })
  .add('seed (one multi-row insert over 4 shards)', async () => {
    await orders().insert(seedRows());
    eq(await orders().count({ n: '*' }), [{ n: '8' }], 'rows');
  })
  .add('multi_shard_read', async () => {
    eq(await orders().select('order_id', 'user_id', 'amount').orderBy([{ column: 'amount', order: 'desc' }, 'order_id']).limit(3),
      [{ order_id: oid(63, 2), user_id: user(63), amount: '63.20' }, { order_id: oid(63, 1), user_id: user(63), amount: '63.10' },
        { order_id: oid(40, 2), user_id: user(40), amount: '40.20' }], 'orderBy amount desc limit 3 over all shards');
    eq(await orders().count({ n: '*' }).sum({ total: 'amount' }), [{ n: '8', total: '243.20' }], 'count(*), sum(amount)');
    eq(await orders().distinct('user_id').whereBetween('user_id', [user(0), user(63)]).orderBy('user_id', 'desc'),
      [63, 40, 17, 1].map((s) => ({ user_id: user(s) })), 'distinct user_id, whereBetween');
    eq(await orders().select('order_id').orderBy([{ column: 'amount', order: 'desc' }, 'order_id']).limit(2).offset(1),
      [{ order_id: oid(63, 1) }, { order_id: oid(40, 2) }], 'limit 2 offset 1');
  })
  .add('read_by_user', async () => {
    eq(await orders().where({ user_id: user(40) }).orderBy('order_id'),
      [1, 2].map((k) => ({ order_id: oid(40, k), user_id: user(40), merchant_id: '1', status: 'new', amount: `40.${k}0`,
        region_id: k === 1 ? 1 : null, created_at: CREATED_AT })), "user U+40's orders");
  })
  .add('read_by_order', async () => {
    eq(await orders().select('user_id', 'status', 'amount').where({ order_id: oid(17, 1) }).first(),
      { user_id: user(17), status: 'new', amount: '17.10' }, 'order oid(17, 1)');
  })
  .add('generated_key (insert returns the insert id)', async () => {
    const [key] = await orders().insert({ user_id: user(5), merchant_id: 1, status: 'gen', amount: '5.00', created_at: CREATED_AT });
    checkGene(key, 5, 'insert id');
    eq(await orders().select('user_id', 'status').where({ order_id: String(key) }), [{ user_id: user(5), status: 'gen' }],
      'the generated row by its key');
  })
  .add('update', async () => {
    eq(await orders().where({ order_id: oid(1, 1) }).update({ status: 'paid', amount: knex.raw('amount + ?', [100]) }), 1,
      'rows updated by order_id');
    eq(await orders().where({ user_id: user(17) }).update({ status: 'shipped' }), 2, 'rows updated by user_id');
    eq(await users(knex, 1, 17), [['1', 'new', '1.20'], ['1', 'paid', '101.10'], ['17', 'shipped', '17.10'],
      ['17', 'shipped', '17.20']].map(([s, status, amount]) => ({ s, status, amount })), 'after the updates');
  })
  .add('delete', async () => {
    eq(await orders().where({ order_id: oid(63, 2) }).del(), 1, 'rows deleted');
    eq(await users(knex, 63), [{ s: '63', status: 'new', amount: '63.10' }], 'user U+63 after the delete');
  })
  .add('tx_commit', () => tx(true, 9))
  .add('tx_rollback', () => tx(false, 10))
  .add('tx_commit_cross', () => tx(true, 11, 52))
  .add('tx_rollback_cross', () => tx(false, 12, 53))
  .run(() => knex.destroy());
