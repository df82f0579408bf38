// proxy/xa/decision_log: the record format (parse_log / format_*, pure) and the log
// file itself, opened, appended and reopened in a scratch directory under /tmp.
#include "proxy/xa/decision_log.hpp"

#include <stdlib.h>
#include <sys/resource.h>

#include <csignal>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>

using namespace shardwire::proxy::xa;

namespace {
const decision d1{"sw:p1:a:1", {{"ds 1=x", "b0"}, {"ds0", "b1"}}};
const decision d2{"sw:p1:a:2", {{"ds0", "b0"}}};

// A fresh directory under /tmp, removed with everything in it at the end of the test.
struct scratch_dir {
  std::string path;
  scratch_dir() {
    char name[] = "/tmp/shardwire-xa-test-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// decide() and wait (bounded) for its completion.
bool decide_and_wait(decision_log& log, const decision& d) {
  auto done = std::make_shared<std::promise<bool>>();
  auto result = done->get_future();
  log.decide(d, [done](bool ok) { done->set_value(ok); });
  REQUIRE(result.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  return result.get();
}
}  // namespace

TEST_CASE("decision log: records as text", "[xa][decision_log]") {
  CHECK(format_header("p1", 255) == "H shardwire-xa-log 1 p1 ff\n");
  CHECK(format_boot(16) == "B 10\n");
  CHECK(format_boot(0) == "B 0\n");
  // Data source names are %-encoded: a space or '=' would break the record.
  CHECK(format_decision(d1) == "C sw:p1:a:1 ds%201%3Dx=b0 ds0=b1\n");
  CHECK(format_decision({"sw:p1:a:3", {{"a_b.c-D9", "b0"}, {"x/y%", "b1"}}}) ==
        "C sw:p1:a:3 a_b.c-D9=b0 x%2Fy%25=b1\n");
  CHECK(format_decision({"sw:p1:a:4", {}}) == "C sw:p1:a:4\n");
  CHECK(format_done("sw:p1:a:1") == "D sw:p1:a:1\n");
}

TEST_CASE("decision log: parsing what was written", "[xa][decision_log]") {
  const decision odd{"sw:p1:a:5", {{"caf\xc3\xa9 %=\t", "b0"}}};
  std::string text = format_header("p1", 0x10) + format_boot(0x11) + format_decision(d1) + format_decision(d2) +
                     format_decision(odd) + format_done(d2.gtrid) + format_boot(0x20) + format_boot(0x15);
  auto c = parse_log(text);
  INFO(c.error);
  CHECK(c.error.empty());
  CHECK(c.has_header);
  CHECK(c.proxy_id == "p1");
  CHECK(c.first_boot == 0x10);
  CHECK(c.last_boot == 0x20);  // the greatest boot, not the last one
  CHECK(c.records == 7);
  REQUIRE(c.pending.size() == 2);
  CHECK(c.pending.at(d1.gtrid) == d1);  // names decoded
  CHECK(c.pending.at(odd.gtrid) == odd);
  CHECK(c.pending.count(d2.gtrid) == 0);  // D removes its C

  // A header alone: its boot is the last one.
  auto h = parse_log(format_header("p1", 7));
  CHECK(h.error.empty());
  CHECK(h.last_boot == 7);
  CHECK(h.pending.empty());

  auto none = parse_log("");
  CHECK(none.error.empty());
  CHECK_FALSE(none.has_header);
}

TEST_CASE("decision log: a torn last line is ignored", "[xa][decision_log]") {
  std::string base = format_header("p1", 1) + format_boot(2) + format_decision(d1);
  std::string torn_decision = format_decision(d2);
  torn_decision.pop_back();
  auto c = parse_log(base + torn_decision);
  CHECK(c.error.empty());
  CHECK(c.pending.size() == 1);
  CHECK(c.pending.count(d1.gtrid) == 1);
  CHECK(c.pending.count(d2.gtrid) == 0);

  std::string torn_done = format_done(d1.gtrid);
  torn_done.pop_back();
  c = parse_log(base + torn_done);
  CHECK(c.error.empty());
  CHECK(c.pending.count(d1.gtrid) == 1);  // the completion never made it

  c = parse_log(base + "C sw:p1:a:9 ds%2");  // half a record, half an escape
  CHECK(c.error.empty());
  CHECK(c.pending.size() == 1);
  CHECK(c.records == 2);
}

TEST_CASE("decision log: what is not a log", "[xa][decision_log]") {
  const std::string head = format_header("p1", 1);
  struct row {
    const char* what;
    std::string text;
    std::string error;
  };
  for (const auto& r : {
           row{"not a header", "hello world\n", "line 1: not a shardwire XA decision log (version 1)"},
           row{"another version", "H shardwire-xa-log 2 p1 1\n", "line 1: not a shardwire XA decision log"},
           row{"another magic", "H shardwire-xb-log 1 p1 1\n", "line 1: not a shardwire XA decision log"},
           row{"header without boot", "H shardwire-xa-log 1 p1\n", "line 1: not a shardwire XA decision log"},
           row{"header with a bad boot", "H shardwire-xa-log 1 p1 xyz\n", "line 1: not a shardwire XA decision log"},
           row{"a record before the header", format_boot(1) + head, "line 1: not a shardwire XA decision log"},
           row{"empty first line", "\n" + head, "line 1: empty record"},
           row{"unknown record", head + "X sw:p1:a:1\n", "line 2: unknown record"},
           row{"a second header", head + head, "line 2: unknown record"},
           row{"empty line", head + format_boot(2) + "\n", "line 3: empty record"},
           row{"bad boot", head + "B 12g\n", "line 2: bad boot"},
           row{"boot with more fields", head + "B 1 2\n", "line 2: unknown record"},
           row{"decision with a foreign gtrid", head + "C xid1 ds0=b0\n", "line 2: unknown record"},
           row{"decision without gtrid", head + "C\n", "line 2: unknown record"},
           row{"branch without '='", head + "C sw:p1:a:1 ds0\n", "line 2: bad branch"},
           row{"branch with an unsafe bqual", head + "C sw:p1:a:1 ds0=b'0\n", "line 2: bad branch"},
           row{"branch with a bad escape", head + "C sw:p1:a:1 ds%2=b0\n", "line 2: bad branch"},
           row{"branch with a non-hex escape", head + "C sw:p1:a:1 ds%zz=b0\n", "line 2: bad branch"},
           row{"done without gtrid", head + "D\n", "line 2: unknown record"},
       }) {
    INFO(r.what);
    auto c = parse_log(r.text);
    CHECK_THAT(c.error, Catch::StartsWith(r.error));
  }
}

TEST_CASE("decision log: the file across restarts", "[xa][decision_log]") {
  scratch_dir dir;
  const std::string path = dir.path + "/xa.log";
  std::string error;
  std::uint64_t first_boot = 0, second_boot = 0;
  {
    auto log = decision_log::open(path, "p1", 1000, error);
    INFO(error);
    REQUIRE(log != nullptr);
    CHECK(error.empty());
    CHECK(log->created());
    CHECK(log->path() == path);
    CHECK(log->boot() >= 1000);
    CHECK(log->first_boot() == log->boot());
    first_boot = log->boot();
    CHECK(log->pending().empty());
    CHECK(decide_and_wait(*log, d1));
    CHECK(decide_and_wait(*log, d2));
    CHECK(log->is_pending(d1.gtrid));
    CHECK(log->pending() == std::vector<decision>{d1, d2});
    CHECK(log->fsyncs() >= 3);  // the rewrite at open, then each decision
    // On disk before the completion was called.
    auto on_disk = parse_log(read_file(path));
    CHECK(on_disk.error.empty());
    CHECK(on_disk.proxy_id == "p1");
    CHECK(on_disk.pending.size() == 2);
    log->complete(d2.gtrid);
    CHECK_FALSE(log->is_pending(d2.gtrid));
  }
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  {
    auto log = decision_log::open(path, "p1", 1000, error);
    INFO(error);
    REQUIRE(log != nullptr);
    CHECK_FALSE(log->created());
    CHECK(log->first_boot() == first_boot);
    CHECK(log->boot() > first_boot);  // boots never repeat, whatever the clock says
    second_boot = log->boot();
    CHECK(log->is_pending(d1.gtrid));  // still undecided whether its branches committed
    CHECK_FALSE(log->is_pending(d2.gtrid));
    CHECK(log->pending() == std::vector<decision>{d1});
    log->complete(d1.gtrid);
    log->complete("sw:p1:a:99");  // not pending: nothing to record
    CHECK(log->pending().empty());
  }
  {
    auto log = decision_log::open(path, "p1", 0, error);
    INFO(error);
    REQUIRE(log != nullptr);
    CHECK(log->boot() > second_boot);
    CHECK(log->pending().empty());
    CHECK_FALSE(log->is_pending(d1.gtrid));
    // Compacted at open: header, this boot, nothing pending.
    auto c = parse_log(read_file(path));
    CHECK(c.error.empty());
    CHECK(c.records == 1);
    CHECK(c.last_boot == log->boot());
  }
  {
    // A clock ahead of every earlier boot wins.
    auto log = decision_log::open(path, "p1", second_boot + 1000000, error);
    REQUIRE(log != nullptr);
    CHECK(log->boot() == second_boot + 1000000);
  }
}

TEST_CASE("decision log: another proxy's log, or no log at all, is refused", "[xa][decision_log]") {
  scratch_dir dir;
  const std::string path = dir.path + "/xa.log";
  std::string error;
  {
    auto log = decision_log::open(path, "p1", 1, error);
    REQUIRE(log != nullptr);
    CHECK(decide_and_wait(*log, d1));
  }
  const std::string before = read_file(path);
  auto other = decision_log::open(path, "p2", 1, error);
  CHECK(other == nullptr);
  CHECK_THAT(error, Catch::Contains("\"p1\"") && Catch::Contains("\"p2\"") && Catch::Contains(path));
  CHECK(read_file(path) == before);  // left as it was

  const std::string not_a_log = dir.path + "/notes.txt";
  std::ofstream(not_a_log) << "these are my notes\nsecond line\n";
  error.clear();
  auto log = decision_log::open(not_a_log, "p1", 1, error);
  CHECK(log == nullptr);
  CHECK_THAT(error, Catch::Contains(not_a_log) && Catch::Contains("not a shardwire XA decision log"));
  CHECK(read_file(not_a_log) == "these are my notes\nsecond line\n");

  error.clear();
  CHECK(decision_log::open(dir.path + "/missing/xa.log", "p1", 1, error) == nullptr);
  CHECK_THAT(error, Catch::Contains("cannot write XA decision log"));
}

TEST_CASE("decision log: a failed write fails that decision and every later one", "[xa][decision_log]") {
  scratch_dir dir;
  const std::string path = dir.path + "/xa.log";
  std::string error;
  const decision d3{"sw:p1:a:3", {{"ds1", "b0"}}};
  {
    auto log = decision_log::open(path, "p1", 1000, error);
    INFO(error);
    REQUIRE(log != nullptr);
    REQUIRE(decide_and_wait(*log, d1));
    // The file may not grow past its size now: the next append fails (EFBIG, as a full
    // disk fails it with ENOSPC).
    rlimit was{};
    REQUIRE(getrlimit(RLIMIT_FSIZE, &was) == 0);
    auto previous = std::signal(SIGXFSZ, SIG_IGN);
    rlimit capped = was;
    capped.rlim_cur = std::filesystem::file_size(path);
    REQUIRE(setrlimit(RLIMIT_FSIZE, &capped) == 0);
    const bool second = decide_and_wait(*log, d2);
    setrlimit(RLIMIT_FSIZE, &was);
    std::signal(SIGXFSZ, previous);
    CHECK_FALSE(second);                   // no decision: its branches roll back
    CHECK_FALSE(log->is_pending(d2.gtrid));
    CHECK(log->is_pending(d1.gtrid));      // the decision made before stands
    CHECK_FALSE(decide_and_wait(*log, d3));  // the file's end is unknown: none until a restart
  }
  // A restart reads what is there (d1), rewrites the file, and decides again.
  auto log = decision_log::open(path, "p1", 1000, error);
  INFO(error);
  REQUIRE(log != nullptr);
  CHECK(log->pending() == std::vector<decision>{d1});
  CHECK(decide_and_wait(*log, d3));
}
