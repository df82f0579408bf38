// What sessions see of a migration that has switched reads or writes to its target
// (config::migration_routes; proxy/migration/routing.cpp builds the rules for them).
// Header-only: the session layer includes it through the config.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace shardwire::proxy::migration {

// Shared by a job and every session.
struct route_state {
  // Read-your-writes while only reads are switched: the job takes a ticket before each
  // look at the change log and publishes it in caught_up when the log was empty. A
  // session that wrote the source reads the source until caught_up passes the ticket
  // it saw after its write (every change it made is then on the target).
  std::atomic<std::uint64_t> read_ticket{0}, caught_up{0};
  // A switch of writes (or its rollback) in progress: statements naming the source wait.
  std::atomic<bool> fence{false};
  // Sessions with a statement, or a transaction, on the source's name now: a switch
  // waits for 0 behind the fence.
  std::atomic<int> holders{0};
};

struct route {
  std::string database, table;            // the source table as clients name it
  std::string data_source;                // where it is (the schema's default if new)
  std::string target_schema, target_table;
  bool writes = false;  // switch_writes and later: writes go to the target as well
  std::shared_ptr<route_state> state;
};

}  // namespace shardwire::proxy::migration
