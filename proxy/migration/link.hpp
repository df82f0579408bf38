// The migration job's own connection to a data source's primary: outside the pool (it
// holds locks across statements), counted against pool.max_connections, reopened after
// an error or when the primary moved.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "proxy/net/counted_slot.hpp"

namespace shardwire::proxy::migration {

class link {
 public:
  // `token`: the job's apply token (its writes are not logged), "" for none. `lock`: a
  // named lock the connection takes at once or fails (one process drives a job), "" for none.
  link(connection_limits& limits, topology& topo, const data_source& ds, std::string token = "",
       std::string lock = "")
      : limits_(limits), topo_(topo), ds_(ds), token_(std::move(token)), lock_(std::move(lock)) {}
  ~link() { drop(); }
  link(const link&) = delete;
  link& operator=(const link&) = delete;

  asio::awaitable<sql_result<backend_connection*>> get();
  void drop();  // the next get() opens a new connection
  // Runs `sql`; on an error the connection is dropped unless the server answered it.
  asio::awaitable<sql_result<void>> exec(std::string_view sql);
  // Runs each statement in order; stops at the first error.
  asio::awaitable<sql_result<void>> exec_each(const std::vector<std::string>& statements);
  asio::awaitable<sql_result<query_table>> rows(std::string_view sql);
  const data_source& source() const { return ds_; }

 private:
  connection_limits& limits_;
  topology& topo_;
  const data_source& ds_;
  std::string token_, lock_;
  std::unique_ptr<backend_connection> conn_;
  std::unique_ptr<counted_slot> slot_;
};

}  // namespace shardwire::proxy::migration
