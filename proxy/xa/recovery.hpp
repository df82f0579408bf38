// XA recovery: XA RECOVER on every data source's primary, and each prepared branch of
// this proxy resolved from the decision log: committed where the log holds its commit
// decision, rolled back where it holds none (presumed abort: no branch is committed
// before its decision is on disk). Left alone and listed as in doubt: transactions in
// flight in this process, branches of other proxy ids, branches older than the log
// (it was created after they were prepared: nothing proves they were not decided).
// Runs at start and every transactions.recovery_interval_ms on the main loop.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "proxy/net/io.hpp"
#include "proxy/server/config.hpp"
#include "proxy/xa/coordinator.hpp"

namespace shardwire::proxy {
class topology;
class connection_limits;
}

namespace shardwire::proxy::xa {

struct recovery_pass {
  std::size_t committed = 0, rolled_back = 0, in_doubt = 0, completed = 0;
  std::vector<std::string> errors;
};

// One pass over every primary. `cfg`: the process's data sources; each connection is
// counted in `limits` (pool.max_connections holds for recovery too).
asio::awaitable<recovery_pass> recover(coordinator& co, const config& cfg, topology& topo, connection_limits& limits,
                                       std::shared_ptr<spdlog::logger> log);

// An operator's decision for every prepared branch of `gtrid` (POST /v1/transactions):
// "" or why not. Refused while the transaction is in flight in this process.
asio::awaitable<std::string> resolve_by_hand(coordinator& co, const config& cfg, topology& topo,
                                             connection_limits& limits, const std::string& gtrid, bool commit,
                                             std::shared_ptr<spdlog::logger> log);

}  // namespace shardwire::proxy::xa
