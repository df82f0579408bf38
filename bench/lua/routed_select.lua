-- sysbench workload for bench/bench.sh: point selects on the sharded order table, either
-- through shardwire on the logical table (`--target=logical`) or straight to MariaDB on
-- the physical table the key lives in (`--target=physical`, db_N.order_info_M), so the
-- two sides run the same statement on the same rows. Keys land on nodes 0..nodes-1
-- (nodes 0..31 are db_0..db_3 on ds0 in the bench layout): user_id = k*64 + n and
-- order_id = (k + 1000000)*64 + n for node n (the gene rule: node = key mod 64).
sysbench.cmdline.options = {
  key = {"sharding column in the WHERE clause: user_id or order_id", "user_id"},
  target = {"logical (order_info, through the proxy) or physical (db_N.order_info_M)", "logical"},
  ps = {"server-side prepared statements (on/off)", "off"},
  per_node = {"rows per node", 2000},
  nodes = {"nodes the keys land on (0..nodes-1)", 32},
  db = {"logical database", "orders"},
}

local cols = "order_id, user_id, status, amount, created_at"

local function table_for(n)
  if sysbench.opt.target == "physical" then
    return string.format("%s_%d.order_info_%d", sysbench.opt.db, math.floor(n / 8), n % 8)
  end
  return sysbench.opt.db .. ".order_info"
end

function thread_init()
  drv = sysbench.sql.driver()
  con = drv:connect()
  stmts, params = {}, {}
end

function thread_done()
  for _, s in pairs(stmts) do s:close() end
  con:disconnect()
end

local function statement(n)
  local t = table_for(n)
  if not stmts[t] then
    stmts[t] = con:prepare(string.format("SELECT %s FROM %s WHERE %s = ?", cols, t, sysbench.opt.key))
    params[t] = stmts[t]:bind_create(sysbench.sql.type.BIGINT)
    stmts[t]:bind_param(params[t])
  end
  return stmts[t], params[t]
end

function event()
  local n = sysbench.rand.uniform(0, sysbench.opt.nodes - 1)
  local k = sysbench.rand.uniform(0, sysbench.opt.per_node - 1)
  local v = k * 64 + n
  if sysbench.opt.key == "order_id" then v = (k + 1000000) * 64 + n end
  if sysbench.opt.ps == "on" then
    local s, p = statement(n)
    p:set(v)
    s:execute()
  else
    con:query(string.format("SELECT %s FROM %s WHERE %s = %d", cols, table_for(n), sysbench.opt.key, v))
  end
end
