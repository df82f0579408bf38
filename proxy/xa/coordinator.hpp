// What every session's XA transactions share (one per process, in server_state): the
// proxy's identity in transaction ids, the decision log, the transactions in flight
// (recovery leaves their prepared branches alone), counters for /metrics and what the
// last recovery pass could not resolve, for GET /v1/transactions.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "proxy/xa/decision_log.hpp"
#include "proxy/xa/fault_hook.hpp"
#include "router/xa_sql.hpp"

namespace shardwire::proxy::xa {

using namespace ::shardwire::router::xa;  // ids and their statements (router/xa_sql.hpp)

struct counters {
  std::atomic<std::uint64_t> one_phase{0};         // XA transactions on one data source: XA COMMIT ONE PHASE
  std::atomic<std::uint64_t> committed{0};         // two-phase commits, every branch committed in the session
  std::atomic<std::uint64_t> rolled_back{0};       // ROLLBACK, or a failure before the decision
  std::atomic<std::uint64_t> prepare_failures{0};  // of rolled_back: a branch failed XA END / PREPARE
  std::atomic<std::uint64_t> decision_failures{0}; // of rolled_back: the decision could not be logged
  std::atomic<std::uint64_t> commit_retries{0};    // XA COMMIT sent again after the decision
  std::atomic<std::uint64_t> handed_to_recovery{0};
  std::atomic<std::uint64_t> recovered_commits{0};
  std::atomic<std::uint64_t> recovered_rollbacks{0};
  std::atomic<std::uint64_t> recovery_runs{0};
  std::atomic<std::uint64_t> recovery_errors{0};
};

// A prepared branch recovery found and did not resolve.
struct in_doubt_branch {
  std::string data_source;
  std::string gtrid, bqual;
  std::string reason;
  bool commit_decided = false;  // the log says commit (its data source was unreachable, say)
};

class coordinator {
 public:
  // `log` nullptr: XA is unavailable (`why` says why); sessions asking for it are refused.
  coordinator(std::string proxy_id, std::unique_ptr<decision_log> log, std::string why);

  bool available() const { return log_ != nullptr; }
  const std::string& unavailable_reason() const { return why_; }
  const std::string& proxy_id() const { return proxy_id_; }
  decision_log& log() { return *log_; }

  std::string next_gtrid();
  // In flight from the first XA PREPARE until every branch is resolved (or handed over).
  void activate(const std::string& gtrid);
  void deactivate(const std::string& gtrid);
  bool active(const std::string& gtrid) const;
  std::size_t active_count() const;

  struct recovery_view {
    std::vector<in_doubt_branch> in_doubt;
    std::chrono::system_clock::time_point last_run{};
    std::vector<std::string> errors;  // data sources the last pass could not read
  };
  void publish(recovery_view v);
  recovery_view view() const;

  counters stats;
  fault_hook faults;

 private:
  std::string proxy_id_;
  std::unique_ptr<decision_log> log_;
  std::string why_;
  std::atomic<std::uint64_t> seq_{0};
  mutable std::mutex mutex_;
  std::set<std::string> active_;
  recovery_view view_;
};

}  // namespace shardwire::proxy::xa
