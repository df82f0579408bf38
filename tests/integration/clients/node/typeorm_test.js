'use strict';
// TypeORM (its mysql driver on mysql2) through the proxy on the sharded demo layout: entity
// schemas over the existing tables plus a new sharded entity (order_event, its rule in the
// proxy's config); the schema diff TypeORM computes from information_schema must be exactly
// "create order_event" (so synchronize:true leaves the sharded tables alone), then the
// client scenario of clientlib.py with repositories, the query builder and transactions.
// Argument: "mariadb" (default; DataSource type mariadb, which writes INSERT ... RETURNING
// for generated columns) or "mysql" (type mysql, as applications targeting both servers do).
require('reflect-metadata');
const { DataSource, EntitySchema } = require('typeorm');
const { HOST, PORT, DB, CREATED_AT, oid, user, seedRows, eq, check, checkGene, Steps, pkgVersion } = require('./common');

const TYPE = process.argv[2] === 'mysql' ? 'mysql' : 'mariadb';

const OrderInfo = new EntitySchema({
  name: 'OrderInfo',
  tableName: 'order_info',
  columns: {
    // generated: the proxy's key generator fills it in and reports it as the insert id
    order_id: { type: 'bigint', primary: true, generated: 'increment' },
    user_id: { type: 'bigint' },
    merchant_id: { type: 'bigint' },
    status: { type: 'varchar', length: 16 },
    amount: { type: 'decimal', precision: 12, scale: 2 },
    // type mysql reads MariaDB's COLUMN_DEFAULT 'NULL' as the expression NULL
    region_id: { type: 'int', nullable: true, ...(TYPE === 'mysql' ? { default: () => 'NULL' } : {}) },
    created_at: { type: 'datetime' },
  },
  indices: [{ name: 'idx_user', columns: ['user_id'] }, { name: 'idx_created', columns: ['created_at'] }],
});
const Region = new EntitySchema({
  name: 'Region',
  tableName: 'region',
  columns: { id: { type: 'int', primary: true }, name: { type: 'varchar', length: 32 } },
});
const OrderEvent = new EntitySchema({
  name: 'OrderEvent',
  tableName: 'order_event',
  columns: {
    event_id: { type: 'bigint', primary: true, generated: 'increment' }, // the proxy's snowflake generator
    order_id: { type: 'bigint' },
    user_id: { type: 'bigint' },
    kind: { type: 'varchar', length: 16 },
  },
  indices: [{ name: 'idx_event_user', columns: ['user_id'] }],
});

const ds = new DataSource({
  type: TYPE, host: HOST, port: PORT, username: 'app', password: 'app', database: DB, connectTimeout: 10000,
  entities: [OrderInfo, Region, OrderEvent], synchronize: false, logging: false, dateStrings: true, poolSize: 4,
  supportBigNumbers: true, bigNumberStrings: true,
});
const repo = () => ds.getRepository(OrderInfo);
// TypeORM hydrates DATETIME as a Date in local time (even with dateStrings): back to text
const pad = (n) => String(n).padStart(2, '0');
const localText = (d) => (d instanceof Date ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `
  + `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` : d);
const users = (em, slots) => em.getRepository(OrderInfo).createQueryBuilder('o')
  .select('CAST(o.user_id - :base AS CHAR)', 's').addSelect('o.status', 'status').addSelect('o.amount', 'amount')
  .where('o.user_id IN (:...ids)', { ids: slots.map(user), base: user(0) })
  .orderBy('o.user_id').addOrderBy('o.status').addOrderBy('o.amount').getRawMany();

// A row whose key the proxy generates, with the key as the entity has it afterwards.
// type mariadb: save() (INSERT ... RETURNING). type mysql: TypeORM computes the key as
// `insertId + entityIndex`, which is a lossy Number for 64-bit keys and, with
// bigNumberStrings, a string concatenation ("...123" + 0 = "...1230"); the exact key is
// the OK packet's insert id, in raw (docs/clients.md).
async function saveGenerated(repository, fields, key) {
  if (TYPE === 'mariadb') return repository.save(repository.create(fields));
  const r = await repository.insert(fields);
  return { ...fields, [key]: String(r.raw.insertId) };
}

async function tx(commit, ...slots) {
  const work = async (em) => {
    await em.getRepository(OrderInfo).insert(slots.map((s) => ({ order_id: oid(s, 1), user_id: user(s), merchant_id: '1',
      status: 'txi', amount: `${s}.00`, region_id: null, created_at: CREATED_AT })));
    eq(await users(em, slots), slots.map((s) => ({ s: String(s), status: 'txi', amount: `${s}.00` })), 'own rows');
    const r = await em.createQueryBuilder().update(OrderInfo).set({ status: 'tx' })
      .where('user_id IN (:...ids)', { ids: slots.map(user) }).execute();
    eq(r.affected, slots.length, 'update in the transaction');
  };
  if (commit) {
    await ds.transaction(work);
  } else {
    const qr = ds.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    try {
      await work(qr.manager);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
  }
  eq(await users(ds.manager, slots), commit ? slots.map((s) => ({ s: String(s), status: 'tx', amount: `${s}.00` })) : [],
    commit ? 'after the commit' : 'after the rollback');
}

new Steps(`typeorm ${pkgVersion('typeorm')} type ${TYPE} (mysql2 ${pkgVersion('mysql2')})`)
  .add('initialize', () => ds.initialize())
  .add('schema_diff (information_schema of the logical database)', async () => {
    // what synchronize would run: only order_event is missing; the sharded and broadcast
    // tables must be seen as they are (TypeORM reads INFORMATION_SCHEMA.TABLES/COLUMNS/...)
    const up = (await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
    check(up.length > 0 && up.every((q) => /`order_event`/.test(q)),
      `schema diff should only create order_event, got:\n      ${up.join('\n      ')}`);
  })
  .add('synchronize (creates the sharded order_event, nothing else)', async () => {
    await ds.synchronize();
    const up = (await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
    eq(up, [], 'schema diff after synchronize');
  })
  .add('new_table_crud (generated event_id)', async () => {
    const events = ds.getRepository(OrderEvent);
    const e = await saveGenerated(events, { order_id: oid(3, 1), user_id: user(3), kind: 'created' }, 'event_id');
    check(/^\d+$/.test(String(e.event_id)) && BigInt(e.event_id) > 0n, `generated event_id ${e.event_id}`);
    eq(await events.findOneBy({ event_id: String(e.event_id) }),
      { event_id: String(e.event_id), order_id: oid(3, 1), user_id: user(3), kind: 'created' }, 'event by its id');
  })
  .add('seed (repository insert over 4 shards)', async () => {
    await repo().insert(seedRows().map((r) => ({ ...r, merchant_id: '1' })));
    eq(await repo().count(), 8, 'count()');
  })
  .add('multi_shard_read', async () => {
    eq(await repo().find({ select: { order_id: true, user_id: true, amount: true }, order: { amount: 'DESC', order_id: 'ASC' }, take: 3 }),
      [{ order_id: oid(63, 2), user_id: user(63), amount: '63.20' }, { order_id: oid(63, 1), user_id: user(63), amount: '63.10' },
        { order_id: oid(40, 2), user_id: user(40), amount: '40.20' }], 'find order amount DESC take 3 over all shards');
    eq(await repo().count(), 8, 'count() over all shards');
    eq(String(await repo().sum('amount')), '243.2', 'sum(amount) over all shards');
    eq(await repo().createQueryBuilder('o').select('DISTINCT o.user_id', 'user_id')
      .where('o.user_id BETWEEN :a AND :b', { a: user(0), b: user(63) }).orderBy('o.user_id', 'DESC').getRawMany(),
    [63, 40, 17, 1].map((s) => ({ user_id: user(s) })), 'query builder DISTINCT user_id BETWEEN');
    eq((await repo().createQueryBuilder('o').select(['o.order_id']).orderBy('o.amount', 'DESC').addOrderBy('o.order_id')
      .offset(1).limit(2).getMany()).map((o) => o.order_id), [oid(63, 1), oid(40, 2)], 'query builder offset 1 limit 2');
  })
  .add('read_by_user (find where/order)', async () => {
    eq((await repo().find({ where: { user_id: user(40) }, order: { order_id: 'ASC' } }))
      .map((o) => ({ ...o, created_at: localText(o.created_at) })),
      [1, 2].map((k) => ({ order_id: oid(40, k), user_id: user(40), merchant_id: '1', status: 'new', amount: `40.${k}0`,
        region_id: k === 1 ? 1 : null, created_at: CREATED_AT })), "user U+40's orders");
  })
  .add('read_by_order (findOneBy)', async () => {
    const o = await repo().findOneBy({ order_id: oid(17, 1) });
    eq(o && [o.user_id, o.status, o.amount], [user(17), 'new', '17.10'], 'order oid(17, 1)');
  })
  .add(`generated_key (${TYPE === 'mysql' ? 'insert() reports the insert id' : 'save() reads the key back'})`, async () => {
    const o = await saveGenerated(repo(), { user_id: user(5), merchant_id: '1', status: 'gen', amount: '5.00',
      created_at: CREATED_AT }, 'order_id');
    checkGene(o.order_id, 5, 'order_id of the saved entity');
    const back = await repo().findOneBy({ order_id: String(o.order_id) });
    eq(back && [back.user_id, back.status], [user(5), 'gen'], 'the generated row by its key');
  })
  .add('update (repository + query builder)', async () => {
    eq((await repo().update({ order_id: oid(1, 1) }, { status: 'paid', amount: () => 'amount + 100' })).affected, 1,
      'rows updated by order_id');
    eq((await ds.createQueryBuilder().update(OrderInfo).set({ status: 'shipped' }).where('user_id = :u', { u: user(17) })
      .execute()).affected, 2, 'rows updated by user_id');
    eq(await users(ds.manager, [1, 17]), [['1', 'new', '1.20'], ['1', 'paid', '101.10'], ['17', 'shipped', '17.10'],
      ['17', 'shipped', '17.20']].map(([s, status, amount]) => ({ s, status, amount })), 'after the updates');
  })
  .add('delete', async () => {
    eq((await repo().delete({ order_id: oid(63, 2) })).affected, 1, 'rows deleted');
    eq(await users(ds.manager, [63]), [{ s: '63', status: 'new', amount: '63.10' }], 'user U+63 after the delete');
  })
  .add('tx_commit', () => tx(true, 9))
  .add('tx_rollback', () => tx(false, 10))
  .add('tx_commit_cross', () => tx(true, 11, 52))
  .add('tx_rollback_cross', () => tx(false, 12, 53))
  .run(() => ds.isInitialized && ds.destroy());
