// What an online migration or archival job reads that it did not write: change log
// entries from a backend (proxy/migration/placement route_values, node_for; keys through
// router/migration_sql integer_text) and an operator's archival condition
// (migration_sql archive_condition). Checked: accepted keys and route values are plain
// integers; an accepted condition is one expression that parses again to itself (so what
// reaches the archive's statements is exactly what was parsed).
#include <cstdint>
#include <string>

#include "proxy/migration/placement.hpp"
#include "router/migration_sql.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace shardwire;

namespace {
bool digits(const std::string& s) {
  std::string_view v(s);
  if (!v.empty() && v.front() == '-') v.remove_prefix(1);
  return !v.empty() && v.find_first_not_of("0123456789") == std::string_view::npos;
}

// An integer_text key's value (at most 20 digits and a sign: within 128 bits).
__int128 value_of(std::string_view v) {
  const bool negative = !v.empty() && v.front() == '-';
  if (negative) v.remove_prefix(1);
  __int128 n = 0;
  for (char c : v) n = n * 10 + (c - '0');
  return negative ? -n : n;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (router::migration_sql::integer_text(text)) FUZZ_CHECK(digits(text) && text.size() <= 21, "an integer key");
  // Two keys (split at the first byte's position): key_less orders them as integers
  // (a sharded source's verify chunks end at the least of its nodes' keys).
  const std::size_t cut = text.empty() ? 0 : data[0] % (text.size() + 1);
  const std::string a = text.substr(0, cut), b = text.substr(cut);
  if (router::migration_sql::integer_text(a) && router::migration_sql::integer_text(b)) {
    FUZZ_CHECK(router::migration_sql::key_less(a, b) == (value_of(a) < value_of(b)), "keys compare as integers");
  }
  if (auto v = proxy::migration::route_values(text, data[0] % 4)) {
    FUZZ_CHECK(v->size() == data[0] % 4, "as many values as columns");
    for (const auto& x : *v) FUZZ_CHECK(!x || digits(*x), "route values are integers");
  }
  std::string why;
  if (auto cond = router::migration_sql::archive_condition(text, why)) {
    auto again = router::migration_sql::archive_condition(*cond, why);
    FUZZ_CHECK(again && *again == *cond, "a printed condition parses back to itself");
  }
  return 0;
}
