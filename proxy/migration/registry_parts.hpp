// What the registry's files share (registry.cpp: jobs and the API; registry_drive.cpp:
// each job's coroutine and its switches; registry_archive.cpp: archival). Private to
// proxy/migration.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string>

#include "proxy/migration/archive.hpp"
#include "proxy/migration/copier.hpp"
#include "proxy/migration/registry.hpp"

namespace shardwire::proxy::migration {

namespace sql = router::migration_sql;
using clock = std::chrono::steady_clock;
using nlohmann::json;

// One job's driver: its copier (and so its connections), what the API asked of it, and
// its pacing. Everything a job does on a server happens in drive(): the API only sets
// requests here and wakes it, so two coroutines never share a connection.
struct registry::runner {
  std::shared_ptr<route_state> state = std::make_shared<route_state>();
  std::unique_ptr<copier> cp;
  asio::steady_timer wake;
  // The change log's applier: its own coroutine (apply_loop) and connections, so that a
  // write's OK never waits behind a copy batch, a checksum or a switch's fence. drive()
  // pauses it (pause_applier) before a switch applies the last changes itself.
  std::unique_ptr<copier> applier;
  asio::steady_timer apply_wake;
  // Whether drive() holds the job's lock: the applier runs only then, and waiting OKs
  // stop waiting once it failed (another process drives the job, or the source is down).
  enum class claim { pending, held, failed } claimed = claim::pending;
  bool apply_paused = false, applying_now = false;
  bool want_triggers = false, want_repair = false, want_switch = false, want_rollback = false, want_cleanup = false;
  std::string rename_to;
  clock::time_point next_copy{}, last_batch{}, saved{};
  bool dirty = false;
  explicit runner(const asio::any_io_executor& ex) : wake(ex), apply_wake(ex) {}
};

struct registry::archive_runner {
  std::unique_ptr<archiver> ar;
  asio::steady_timer wake;
  bool prepared = false;
  clock::time_point next{}, last{}, saved{};
  explicit archive_runner(asio::any_io_executor ex) : wake(std::move(ex)) {}
};

// A random apply token (job.hpp): 24 hex digits.
inline std::string random_token() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string t;
  for (int i = 0; i < 24; ++i) t += "0123456789abcdef"[hex(rd)];
  return t;
}

inline bool valid_table_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

inline std::optional<std::int64_t> int_arg(const json& args, const char* key, std::int64_t lo, std::int64_t hi,
                                    std::string& error) {
  if (!args.contains(key)) return std::nullopt;
  const auto& v = args[key];
  if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi) {
    error = std::string(key) + ": an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    return std::nullopt;
  }
  return v.get<std::int64_t>();
}


}  // namespace shardwire::proxy::migration
