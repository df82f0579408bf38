// XA at the process level: the decision log opened before the first session, and the
// recovery pass at start and every transactions.recovery_interval_ms (proxy/xa/).
#include <spdlog/spdlog.h>

#include "proxy/server/server.hpp"
#include "proxy/xa/recovery.hpp"

namespace shardwire::proxy {

namespace {
bool xa_configured(const config& cfg) {
  if (cfg.transactions.mode == router::transaction_mode::xa) return true;
  for (const auto& [_, s] : cfg.rules->schemas) {
    if (s.txn_mode == router::transaction_mode::xa) return true;
  }
  return false;
}
}  // namespace

// Without a usable log XA is refused to sessions; with xa configured the proxy does not start.
bool server::start_xa() {
  const config& cfg = *state_.cfg;
  const auto& t = cfg.transactions;
  std::string error = "transactions.log_file is not set (the config was not read from a file)";
  std::unique_ptr<xa::decision_log> dlog;
  if (!t.log_file.empty()) {
    auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
    dlog = xa::decision_log::open(t.log_file, t.proxy_id, static_cast<std::uint64_t>(now_us), error);
  }
  if (!dlog && xa_configured(cfg)) {
    log_->critical("transaction mode xa is configured but {}", error);
    return false;
  }
  if (dlog) {
    log_->info("XA decision log {} (proxy id {}, boot {:x}, {} commit decisions pending{})", t.log_file, t.proxy_id,
               dlog->boot(), dlog->pending().size(), dlog->created() ? ", new log" : "");
  } else {
    log_->warn("XA transactions unavailable: {}", error);
  }
  state_.xa = std::make_unique<xa::coordinator>(t.proxy_id, std::move(dlog), error);
  if (state_.xa->faults.armed()) log_->warn("SHARDWIRE_XA_FAULT is armed: this process will fail on purpose (tests)");
  return true;
}

asio::awaitable<void> server::xa_recovery_loop() {
  while (!state_.stopping) {
    auto pass = co_await xa::recover(*state_.xa, *state_.cfg, *topo_, limits_, log_);
    if (pass.committed + pass.rolled_back + pass.in_doubt + pass.completed > 0 || !pass.errors.empty()) {
      log_->info("xa recovery: {} branches committed, {} rolled back, {} in doubt, {} decisions completed{}{}",
                 pass.committed, pass.rolled_back, pass.in_doubt, pass.completed,
                 pass.errors.empty() ? "" : "; unreadable: ", pass.errors.empty() ? "" : pass.errors.front());
    }
    xa_timer_.expires_after(state_.current()->transactions.recovery_interval);
    co_await xa_timer_.async_wait(use_nothrow);
  }
}

}  // namespace shardwire::proxy
