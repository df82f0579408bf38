// The slow query log (docs/admin.md): one line per statement that took at least
// slow_log.threshold_ms, in its own file. Shared by every worker; written only for slow
// statements, so its lock is off the common path. Reopened on reload (and SIGHUP), which
// is what log rotation needs.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <mutex>
#include <string>

namespace shardwire::proxy {

class slow_log {
 public:
  // "" closes it. Returns "" or why the file cannot be opened (the old one stays).
  std::string open(const std::string& path);
  void write(const std::string& line);
  bool enabled() const {
    std::lock_guard lock(mutex_);
    return logger_ != nullptr;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<spdlog::logger> logger_;
  std::string path_;
};

}  // namespace shardwire::proxy
