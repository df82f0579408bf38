#include "proxy/xa/fault_hook.hpp"

#include <cstdlib>
#include <cstdio>

namespace shardwire::proxy::xa {

std::optional<fault_hook> fault_hook::parse(const std::string& spec) {
  fault_hook h;
  std::size_t pos = 0;
  bool first = true;
  while (pos <= spec.size()) {
    auto colon = spec.find(':', pos);
    std::string part = spec.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
    if (first) {
      if (part == "after_first_prepare") h.step_ = fault_step::after_first_prepare;
      else if (part == "after_prepares") h.step_ = fault_step::after_prepares;
      else if (part == "after_decision") h.step_ = fault_step::after_decision;
      else if (part == "after_first_commit") h.step_ = fault_step::after_first_commit;
      else return std::nullopt;
      first = false;
    } else if (part.rfind("wait=", 0) == 0 && part.size() > 5) {
      h.act_.kill = false;
      h.act_.wait_file = spec.substr(pos + 5);  // the rest: the file name may hold ':'
      colon = std::string::npos;
    } else {
      char* end = nullptr;
      unsigned long n = std::strtoul(part.c_str(), &end, 10);
      if (part.empty() || *end || n == 0 || n > 1000000) return std::nullopt;
      h.nth_ = static_cast<unsigned>(n);
    }
    if (colon == std::string::npos) break;
    pos = colon + 1;
  }
  h.armed_ = true;
  return h;
}

fault_hook fault_hook::from_environment() {
  const char* spec = std::getenv("SHARDWIRE_XA_FAULT");
  if (!spec || !*spec) return {};
  auto h = parse(spec);
  if (!h) {
    std::fprintf(stderr, "shardwire: ignoring SHARDWIRE_XA_FAULT=%s (not <step>[:<nth>][:wait=<file>])\n", spec);
    return {};
  }
  std::fprintf(stderr, "shardwire: SHARDWIRE_XA_FAULT=%s is armed (test fault hook)\n", spec);
  return *h;
}

std::optional<fault_hook::action> fault_hook::reached(fault_step s) {
  if (!armed_ || s != step_) return std::nullopt;
  if (seen_.fetch_add(1) + 1 != nth_) return std::nullopt;
  return act_;
}

}  // namespace shardwire::proxy::xa
