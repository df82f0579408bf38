// The XA decision log: the one record that makes a two-phase commit survive the proxy.
// A transaction's commit decision is appended and fsynced before any of its branches is
// committed; once every branch is committed a completion record follows. No record of
// a gtrid means it never reached the decision: recovery rolls its branches back
// (presumed abort). docs/transactions.md has the failure model.
//
// Text lines, each complete line a record (a torn last line is ignored: it was never
// acknowledged, so no branch was committed on its account):
//   H shardwire-xa-log 1 <proxy_id> <first boot>   header: whose log, since which boot
//   B <boot>                                        a proxy start (boots only grow)
//   C <gtrid> <data source>=<bqual> ...              commit decided
//   D <gtrid>                                       every branch committed
// Appends go through one writer thread that writes and fsyncs whatever is queued at
// once (group commit); completions are called on that thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace shardwire::proxy::xa {

struct branch_ref {
  std::string data_source;
  std::string bqual;
  bool operator==(const branch_ref&) const = default;
};

struct decision {
  std::string gtrid;
  std::vector<branch_ref> branches;
  bool operator==(const decision&) const = default;
};

// What a log file says (pure: parse_log / format_* are unit-tested).
struct log_contents {
  bool has_header = false;
  std::string proxy_id;
  std::uint64_t first_boot = 0;
  std::uint64_t last_boot = 0;
  std::map<std::string, decision> pending;  // decided, not known complete
  std::size_t records = 0;
  std::string error;  // non-empty: the file is not a decision log (or another proxy's)
};
log_contents parse_log(std::string_view text);
std::string format_header(const std::string& proxy_id, std::uint64_t first_boot);
std::string format_boot(std::uint64_t boot);
std::string format_decision(const decision& d);
std::string format_done(const std::string& gtrid);

class decision_log {
 public:
  using completion = std::function<void(bool ok)>;

  // Opens (or creates) the log of `proxy_id` at `path`: reads the pending decisions,
  // starts a new boot (greater than any before it and than `now_us`), rewrites the file
  // with only what is still pending, fsyncs it and its directory. nullptr and `error`
  // when the file cannot be used.
  static std::unique_ptr<decision_log> open(const std::string& path, const std::string& proxy_id,
                                            std::uint64_t now_us, std::string& error);
  ~decision_log();
  decision_log(const decision_log&) = delete;
  decision_log& operator=(const decision_log&) = delete;

  std::uint64_t boot() const { return boot_; }
  std::uint64_t first_boot() const { return first_boot_; }
  bool created() const { return created_; }  // no log existed: earlier boots are not covered
  const std::string& path() const { return path_; }

  // Appends the decision and calls `done(true)` once it is on disk (false: the write or
  // fsync failed; the decision must be treated as not made). Any thread.
  void decide(const decision& d, completion done);
  // Appends the completion record (made durable with the next fsync).
  void complete(const std::string& gtrid);
  std::vector<decision> pending() const;
  bool is_pending(const std::string& gtrid) const;
  std::uint64_t fsyncs() const;

 private:
  decision_log() = default;
  void writer_loop();
  bool rewrite_locked();  // compaction: the file holds header, boot and pending records only

  struct item {
    std::string line;
    completion done;  // empty: no fsync needed before moving on
  };
  std::string path_;
  std::string proxy_id_;
  std::uint64_t boot_ = 0;
  std::uint64_t first_boot_ = 0;
  bool created_ = false;
  int fd_ = -1;
  std::size_t file_bytes_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<item> queue_;
  std::map<std::string, decision> pending_;
  std::uint64_t fsyncs_ = 0;
  bool stopping_ = false;
  bool failed_ = false;  // a write or fsync failed: every later decision fails
  std::thread writer_;
};

}  // namespace shardwire::proxy::xa
