#include "proxy/server/slow_log.hpp"

#include <spdlog/sinks/basic_file_sink.h>

namespace shardwire::proxy {

std::string slow_log::open(const std::string& path) {
  if (path.empty()) {
    std::lock_guard lock(mutex_);
    if (logger_) logger_->flush();
    logger_.reset();
    path_.clear();
    return "";
  }
  std::shared_ptr<spdlog::logger> next;
  try {
    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, false);
    next = std::make_shared<spdlog::logger>("slow_log", std::move(sink));
    next->set_pattern("%Y-%m-%dT%H:%M:%S.%e %v");
    next->set_level(spdlog::level::info);
    next->flush_on(spdlog::level::info);  // one line per slow statement: cheap, and never lost in a crash
  } catch (const spdlog::spdlog_ex& e) {
    return "cannot open slow query log " + path + ": " + e.what();
  }
  std::lock_guard lock(mutex_);
  logger_ = std::move(next);
  path_ = path;
  return "";
}

void slow_log::write(const std::string& line) {
  std::shared_ptr<spdlog::logger> l;
  {
    std::lock_guard lock(mutex_);
    l = logger_;
  }
  if (l) l->info("{}", line);
}

}  // namespace shardwire::proxy
