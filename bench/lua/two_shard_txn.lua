-- sysbench workload for bench/xa_bench.sh: an order on one shard and its item on
-- another, committed together, through shardwire in one transaction mode:
--   local         two local transactions, one per shard (what an application does
--                 without distributed transactions: no atomicity across them)
--   best_effort   one transaction, the shards committed one after the other
--   xa            one XA transaction: prepare both, fsync the decision, commit both
--   xa_one_shard  xa mode, both rows on one shard: XA END + XA COMMIT ONE PHASE
-- Users < 32 mod 64 live on ds0, the others on ds1 (the demo layout).
sysbench.cmdline.options = {
  mode = {"local | best_effort | xa | xa_one_shard", "xa"},
  db = {"logical database", "xbench"},
}

function thread_init()
  drv = sysbench.sql.driver()
  con = drv:connect()
  local m = sysbench.opt.mode
  if m == "xa_one_shard" then m = "xa" end
  con:query("SET shardwire_transaction_mode = '" .. m .. "'")
  con:query("USE " .. sysbench.opt.db)
end

function thread_done()
  con:disconnect()
end

local function order(u)
  con:query(string.format("INSERT INTO order_info (user_id, amount, note) VALUES (%d, 10.00, 'bench')", u))
end

local function item(u)
  con:query(string.format("INSERT INTO order_item (order_id, user_id, sku) VALUES (%d, %d, 'sku')", u, u))
end

function event()
  local a = sysbench.rand.uniform(0, 100000000) * 64 + sysbench.rand.uniform(0, 31)       -- ds0
  local b = sysbench.rand.uniform(0, 100000000) * 64 + 32 + sysbench.rand.uniform(0, 31)  -- ds1
  if sysbench.opt.mode == "xa_one_shard" then b = b - 32 end                             -- ds0 too
  if sysbench.opt.mode == "local" then
    con:query("BEGIN"); order(a); con:query("COMMIT")
    con:query("BEGIN"); item(b); con:query("COMMIT")
  else
    con:query("BEGIN"); order(a); item(b); con:query("COMMIT")
  end
end
