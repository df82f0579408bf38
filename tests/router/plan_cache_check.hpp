// The plan cache's differential check, shared by tests/router/plan_cache_test.cpp and the
// router_plan_cache fuzz target: a statement planned through a cache entry (made from
// it, then bound with its own literals and with other literals of the same kinds) must
// give exactly the plan the planner gives the statement text itself.
#pragma once

#include <optional>
#include <string>

#include "router/parser.hpp"
#include "router/plan_cache.hpp"

namespace shardwire::router::testing {

inline std::string describe(const plan_result& r) {
  if (!r) return "error " + std::to_string(r.error().code) + ": " + r.error().message;
  const plan& p = *r;
  std::string out = "kind " + std::to_string(static_cast<int>(p.type)) + (p.write ? " write" : " read") +
                    " limit " + std::to_string(p.statement_limit.count()) + (p.merge ? " merged" : "") +
                    (p.generated_id ? " generated" : "") + (p.returns_rows ? " returning" : "") + " tail[" +
                    p.union_tail + "]" + (p.union_derived_terms ? " derived" : "");
  for (const auto& t : p.targets) out += "\n  [" + t.data_source + ", " + t.database + ", " + t.sql + "]";
  if (!p.generated_id) return out;
  // Generated keys differ from one planning to the next: compare them as "#".
  std::string masked;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] >= '0' && out[i] <= '9') {
      if (masked.empty() || masked.back() != '#') masked.push_back('#');
    } else {
      masked.push_back(out[i]);
    }
  }
  return masked;
}

// The same statement with every slot literal replaced by another of its kind.
inline std::string with_other_literals(std::string_view sql, const statement_shape& shape,
                                       const cached_statement& entry, unsigned salt) {
  std::string out;
  std::size_t at = 0;
  for (std::size_t i = 0; i < shape.literals.size(); ++i) {
    const auto& l = shape.literals[i];
    out.append(sql.substr(at, l.offset - at));
    std::string_view text = shape.text_of(sql, i);
    unsigned v = (salt + 7919u * static_cast<unsigned>(i + 1)) % 100003u;
    if (!entry.is_slot(i)) {
      out.append(text);
    } else if (l.kind == token_kind::number) {
      out += std::to_string(v);
    } else if (l.kind == token_kind::string && !l.introduced) {
      out += text.front();
      out += "v" + std::to_string(v);
      out += text.front();
    } else {
      out.append(text);
    }
    at = l.offset + l.length;
  }
  out.append(sql.substr(at));
  return out;
}

struct check_counts {
  std::size_t entries = 0, templates = 0, template_binds = 0;
};

// nullopt when the cached and the uncached plans agree (or the statement is not cached).
inline std::optional<std::string> check_cached_plan(std::string_view sql, const route_context& ctx,
                                                    std::shared_ptr<const sharding_rules> rules, unsigned salt = 1,
                                                    check_counts* counts = nullptr) {
  statement_shape shape;
  shape.scan(sql);
  if (!shape.cacheable) return std::nullopt;
  auto parsed = parse(sql);
  if (!parsed) return std::nullopt;
  auto planned = route(*parsed, sql, ctx);
  auto entry = cached_statement::make(std::move(*parsed), sql, shape, planned, ctx, rules);
  if (!entry) return std::nullopt;
  if (counts) {
    ++counts->entries;
    if (entry->single_node_template()) ++counts->templates;
  }
  plan reused;
  for (int round = 0; round < 3; ++round) {
    // round 0: the statement itself; 1 and 2: other literals (2 reuses built node templates)
    std::string text = round == 0 ? std::string(sql) : with_other_literals(sql, shape, *entry, salt + (round == 2 ? 0 : 1));
    if (text.size() > statement_shape::max_length) continue;  // other values made it too long to cache
    statement_shape s;
    s.scan(text);
    if (!s.cacheable || s.key != shape.key) return "key differs for: " + text;
    if (!entry->matches(text, s)) return "fixed literals differ for: " + text;
    auto fresh = parse(text);
    if (!fresh) return "the variant does not parse: " + text + " (" + fresh.error().message + ")";
    std::string want = describe(route(*fresh, text, ctx));
    slot_values slots;
    if (!entry->bind_literals(text, s, slots)) continue;  // the session plans such a statement uncached
    auto r = entry->plan_for(text, slots, ctx, reused);
    if (counts && r && *r) ++counts->template_binds;
    std::string got = r ? describe(plan_result(reused)) : describe(plan_result(r.error()));
    if (got != want) return "statement: " + text + "\nuncached: " + want + "\ncached:   " + got;
  }
  return std::nullopt;
}

}  // namespace shardwire::router::testing
