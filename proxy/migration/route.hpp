// What sessions see of a migration that has switched reads or writes to its target
// (config::migration_routes; proxy/migration/routing.cpp builds the rules for them).
// Header-only: the session layer includes it through the config.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace shardwire::proxy::migration {

// Shared by a job and every session.
struct route_state {
  // The job takes a ticket before each look at the change log and publishes it in
  // caught_up once it applied everything that look found and the look found less than a
  // batch (so every entry committed before the ticket was taken). A session that wrote
  // the source waits, before its statement's final OK, until caught_up passes the ticket
  // after its commit (docs/migrations.md, "In the statement's lifetime"); it reads the
  // source until then in switch_reads.
  std::atomic<std::uint64_t> read_ticket{0}, caught_up{0};
  void pass(std::uint64_t ticket) {  // caught_up never goes back (two appliers may publish)
    auto at = caught_up.load();
    while (at < ticket && !caught_up.compare_exchange_weak(at, ticket)) {
    }
  }
  // How long a statement's OK waits for the target (0: it does not); false while the
  // job's last application failed (statements then do not wait: the log keeps the entry).
  std::atomic<std::uint32_t> ack_wait_ms{2000};
  std::atomic<bool> applying{true};
  // Statements that waited, those the bound (or a failing job) let go first, and the
  // microseconds waited in all.
  std::atomic<std::uint64_t> acks_waited{0}, acks_late{0}, ack_wait_us{0};
  // A session asks the job to look now: set, then `wake` (set by the job before the route
  // is published, never changed after) wakes its coroutine.
  std::atomic<bool> nudged{false};
  std::function<void()> wake;
  void nudge() {
    nudged.store(true);
    if (wake) wake();
  }
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
  // switch_reads and later: the name is routed to the target. Before that (double_write,
  // backfill, verify) the route only tells sessions that writes to the table are
  // applied to the target, so that their OK waits for it.
  bool reads = true;
  std::shared_ptr<route_state> state;
};

}  // namespace shardwire::proxy::migration
