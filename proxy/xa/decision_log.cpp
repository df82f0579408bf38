#include "proxy/xa/decision_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <charconv>
#include <cstring>

#include "router/xa_sql.hpp"

namespace shardwire::proxy::xa {

using namespace ::shardwire::router::xa;

namespace {

constexpr std::string_view magic = "shardwire-xa-log";
constexpr std::size_t compact_above = 4u << 20;  // bytes: rewrite the file with what is pending

// Data source names are the config's: any bytes but these are %XX.
std::string encode(std::string_view s) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::optional<std::string> decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    std::uint64_t v = 0;
    if (i + 2 >= s.size() || !parse_hex(s.substr(i + 1, 2), v)) return std::nullopt;
    out += static_cast<char>(v);
    i += 2;
  }
  return out;
}

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    auto sp = line.find(' ');
    if (sp != 0) out.push_back(line.substr(0, sp));
    if (sp == std::string_view::npos) break;
    line.remove_prefix(sp + 1);
  }
  return out;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool sync_dir(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

// (appends, not "x" + string: GCC 12's -Wrestrict misfires on those)
std::string format_header(const std::string& proxy_id, std::uint64_t first_boot) {
  std::string s = "H ";
  s.append(magic).append(" 1 ").append(proxy_id).append(" ").append(hex(first_boot)).append("\n");
  return s;
}
std::string format_boot(std::uint64_t boot) {
  std::string s = "B ";
  s.append(hex(boot)).append("\n");
  return s;
}
std::string format_decision(const decision& d) {
  std::string line = "C ";
  line.append(d.gtrid);
  for (const auto& b : d.branches) line.append(" ").append(encode(b.data_source)).append("=").append(b.bqual);
  line.append("\n");
  return line;
}
std::string format_done(const std::string& gtrid) {
  std::string s = "D ";
  s.append(gtrid).append("\n");
  return s;
}

log_contents parse_log(std::string_view text) {
  log_contents out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) break;  // torn last line: never acknowledged
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    ++line_no;
    auto f = fields(line);
    auto bad = [&](const std::string& why) {
      out.error = "line ";
      out.error.append(std::to_string(line_no)).append(": ").append(why);
      return out;
    };
    if (f.empty()) return bad("empty record");
    if (line_no == 1) {
      if (f.size() != 5 || f[0] != "H" || f[1] != magic || f[2] != "1" || !parse_hex(f[4], out.first_boot)) {
        return bad("not a shardwire XA decision log (version 1)");
      }
      out.has_header = true;
      out.proxy_id = std::string(f[3]);
      out.last_boot = out.first_boot;
      continue;
    }
    if (f[0] == "B" && f.size() == 2) {
      std::uint64_t b = 0;
      if (!parse_hex(f[1], b)) return bad("bad boot");
      out.last_boot = std::max(out.last_boot, b);
    } else if (f[0] == "C" && f.size() >= 2 && parse_gtrid(f[1])) {
      decision d{std::string(f[1]), {}};
      for (std::size_t i = 2; i < f.size(); ++i) {
        auto eq = f[i].rfind('=');
        auto name = eq == std::string_view::npos ? std::nullopt : decode(f[i].substr(0, eq));
        if (!name || !safe_id_text(f[i].substr(eq + 1))) return bad("bad branch");
        d.branches.push_back({*name, std::string(f[i].substr(eq + 1))});
      }
      out.pending[d.gtrid] = std::move(d);
    } else if (f[0] == "D" && f.size() == 2) {
      out.pending.erase(std::string(f[1]));
    } else {
      return bad("unknown record");
    }
    ++out.records;
  }
  return out;
}

std::unique_ptr<decision_log> decision_log::open(const std::string& path, const std::string& proxy_id,
                                                 std::uint64_t now_us, std::string& error) {
  std::unique_ptr<decision_log> log(new decision_log());
  log->path_ = path;
  log->proxy_id_ = proxy_id;
  std::string text;
  int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in >= 0) {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(in, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(in);
  } else if (errno != ENOENT) {
    error = "cannot read XA decision log " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  log_contents c = parse_log(text);
  if (!text.empty() && c.error.empty() && !c.has_header) c.error = "not a shardwire XA decision log (no header line)";
  if (!text.empty() && !c.error.empty()) {
    error = "XA decision log " + path + ": " + c.error;
    return nullptr;
  }
  if (c.has_header && c.proxy_id != proxy_id) {
    error = "XA decision log " + path + " belongs to proxy id \"" + c.proxy_id + "\", not \"" + proxy_id +
            "\" (transactions.proxy_id): each proxy needs its own log";
    return nullptr;
  }
  log->created_ = !c.has_header;
  log->boot_ = std::max(c.last_boot + 1, now_us);
  log->first_boot_ = c.has_header ? c.first_boot : log->boot_;
  log->pending_ = std::move(c.pending);
  {
    std::lock_guard lock(log->mutex_);
    if (!log->rewrite_locked()) {
      error = "cannot write XA decision log " + path + ": " + std::strerror(errno);
      return nullptr;
    }
  }
  log->writer_ = std::thread([l = log.get()] { l->writer_loop(); });
  return log;
}

// Header, this boot, the pending decisions: to a new file, fsynced, renamed over the
// old one, the directory fsynced. The old file stays whole until the rename.
bool decision_log::rewrite_locked() {
  std::string tmp = path_ + ".tmp";
  std::string text = format_header(proxy_id_, first_boot_) + format_boot(boot_);
  for (const auto& [_, d] : pending_) text += format_decision(d);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  if (!write_all(fd, text) || ::fsync(fd) != 0 || ::rename(tmp.c_str(), path_.c_str()) != 0 || !sync_dir(path_)) {
    ::close(fd);
    return false;
  }
  if (fd_ >= 0) ::close(fd_);
  ::close(fd);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) return false;
  file_bytes_ = text.size();
  ++fsyncs_;
  return true;
}

decision_log::~decision_log() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (fd_ >= 0) ::close(fd_);
}

void decision_log::decide(const decision& d, completion done) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({format_decision(d), std::move(done)});
    pending_[d.gtrid] = d;
  }
  wake_.notify_one();
}

void decision_log::complete(const std::string& gtrid) {
  {
    std::lock_guard lock(mutex_);
    if (!pending_.erase(gtrid)) return;
    queue_.push_back({format_done(gtrid), {}});
  }
  wake_.notify_one();
}

std::vector<decision> decision_log::pending() const {
  std::lock_guard lock(mutex_);
  std::vector<decision> out;
  for (const auto& [_, d] : pending_) out.push_back(d);
  return out;
}

bool decision_log::is_pending(const std::string& gtrid) const {
  std::lock_guard lock(mutex_);
  return pending_.count(gtrid) > 0;
}

std::uint64_t decision_log::fsyncs() const {
  std::lock_guard lock(mutex_);
  return fsyncs_;
}

// Group commit: everything queued is written with one write() and one fdatasync().
void decision_log::writer_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) return;
    std::vector<item> batch;
    batch.swap(queue_);
    int fd = failed_ ? -1 : fd_;
    lock.unlock();
    std::string text;
    bool sync = false;
    for (const auto& it : batch) {
      text += it.line;
      sync = sync || static_cast<bool>(it.done);
    }
    bool ok = fd >= 0 && write_all(fd, text);
    if (ok && sync) ok = ::fdatasync(fd) == 0;
    lock.lock();
    if (sync) ++fsyncs_;
    file_bytes_ += text.size();
    if (!ok) {
      // The file's end is unknown now (a torn record, fsync lost pages): no more
      // decisions until a restart reads and rewrites it. A failed decision is no
      // decision: forget it (its branches roll back).
      failed_ = true;
      for (const auto& it : batch) {
        if (it.done && it.line.size() > 2) {
          auto f = fields(std::string_view(it.line).substr(0, it.line.size() - 1));
          if (f.size() >= 2) pending_.erase(std::string(f[1]));
        }
      }
    }
    if (ok && file_bytes_ > compact_above && !rewrite_locked()) failed_ = true;
    lock.unlock();
    for (auto& it : batch) {
      if (it.done) it.done(ok);
    }
    lock.lock();
  }
}

}  // namespace shardwire::proxy::xa
