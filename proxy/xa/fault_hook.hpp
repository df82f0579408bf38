// Test-only crash points in the XA commit (tests/integration/xa_crash_test.py). Armed
// only by the environment variable SHARDWIRE_XA_FAULT, which no config file can set:
//   SHARDWIRE_XA_FAULT=<step>[:<nth>][:wait=<file>]
//   step: after_first_prepare | after_prepares | after_decision | after_first_commit
// At the nth (default 1st) two-phase commit reaching the step the process SIGKILLs
// itself, or with wait=<file> creates that file and holds the commit there until the
// file is removed (at most 120 s): the test kills or restarts a backend meanwhile.
#pragma once

#include <atomic>
#include <optional>
#include <string>

namespace shardwire::proxy::xa {

enum class fault_step { after_first_prepare, after_prepares, after_decision, after_first_commit };

class fault_hook {
 public:
  struct action {
    bool kill = true;
    std::string wait_file;  // !kill: hold until this file is gone
  };
  static fault_hook from_environment();
  static std::optional<fault_hook> parse(const std::string& spec);
  bool armed() const { return armed_; }
  // Whether this commit, at this step, is the one to fail.
  std::optional<action> reached(fault_step s);

  fault_hook() = default;
  fault_hook(const fault_hook& o) : armed_(o.armed_), step_(o.step_), nth_(o.nth_), act_(o.act_) {}

 private:
  bool armed_ = false;
  fault_step step_ = fault_step::after_first_prepare;
  unsigned nth_ = 1;
  action act_;
  std::atomic<unsigned> seen_{0};
};

}  // namespace shardwire::proxy::xa
