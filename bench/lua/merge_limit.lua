-- sysbench workload for bench/bench.sh: a cross-shard ORDER BY ... LIMIT page, through
-- shardwire on the sharded mbench.orders (64 tables, rows merged by the proxy) or
-- directly on the unsharded reference mbench_ref.orders holding the same rows.
sysbench.cmdline.options = {
  db = {"mbench (through the proxy) or mbench_ref (direct)", "mbench"},
  rows = {"rows in the table", 1000000},
}

function thread_init()
  drv = sysbench.sql.driver()
  con = drv:connect()
end

function thread_done() con:disconnect() end

function event()
  local from = sysbench.rand.uniform(0, sysbench.opt.rows - 100)
  con:query(string.format("SELECT order_id, user_id, status, amount FROM %s.orders WHERE order_id >= %d " ..
                          "ORDER BY order_id LIMIT 10", sysbench.opt.db, from))
end
