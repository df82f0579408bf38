// Which tables have triggers, on any primary. A trigger runs inside the client's write
// and may leave state on the connection that MariaDB 10.11 does not report through
// session tracking (`SELECT ... INTO @v`, GET_LOCK in a trigger body), so a write to
// such a table pins the session (docs/sessions.md). Names only, lower-cased, in every
// schema: a name that matches in another schema only costs multiplexing.
//
// Filled by trigger_watch (every monitor.trigger_refresh_ms) and at once by a session
// that runs CREATE TRIGGER. Thread-safe; sessions read a snapshot and look at the
// generation between statements.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace shardwire::proxy {

class trigger_tables {
 public:
  using names = std::vector<std::string>;  // lower-cased, sorted, unique

  trigger_tables() : current_(std::make_shared<const names>()) {}

  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::shared_ptr<const names> snapshot() const;
  // A session is about to create triggers on `tables`. False (nothing added) when the
  // names sessions added since the last complete refresh would pass max_pending: a
  // client cannot grow the set without bound between refreshes.
  static constexpr std::size_t max_pending = 4096;
  bool add(const std::vector<std::string>& tables);
  // A refresh: the mark before it asks the servers, then what they answered. Names added
  // by sessions after the mark stay (their trigger may be newer than the answer). When
  // some server did not answer (`complete` false), nothing known is dropped.
  std::uint64_t mark() const;
  void replace(names found, std::uint64_t mark, bool complete);

 private:
  void publish(names next);  // under mutex_

  mutable std::mutex mutex_;
  std::shared_ptr<const names> current_;
  std::map<std::string, std::uint64_t> added_;  // by sessions: name -> add sequence
  std::uint64_t adds_ = 0;
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace shardwire::proxy
