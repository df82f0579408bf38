#include "router/rules_config.hpp"

#include "router/config_json.hpp"

#include <algorithm>
#include <map>

#include "router/data_nodes.hpp"
#include "router/key_generator.hpp"
#include "router/sharding_algorithms.hpp"

namespace shardwire::router {

namespace {
using namespace config_json;

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

std::string get_string(const json& obj, const std::string& path, const std::string& key, bool required) {
  if (!obj.contains(key)) {
    if (required) fail(join(path, key), "missing");
    return "";
  }
  const json& v = obj[key];
  if (!v.is_string() || v.get<std::string>().empty())
    fail(join(path, key), "expected a non-empty string, got " + v.dump());
  return v.get<std::string>();
}

std::string one_of(const json& obj, const std::string& path, const std::string& key,
                   const std::vector<std::string>& choices, bool required, const std::string& what) {
  std::string v = get_string(obj, path, key, required);
  if (!required && v.empty()) return choices.front();
  if (std::find(choices.begin(), choices.end(), v) != choices.end()) return v;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : "|") + c;
  fail(join(path, key), "unknown " + what + " " + in_quotes(v) + " (expected " + list + ")");
}

struct context {
  const std::set<std::string>& data_sources;
  void check_data_source(const std::string& path, const json& v) const {
    if (!v.is_string()) fail(path, "expected a data source name, got " + v.dump());
    if (!data_sources.count(v.get<std::string>())) {
      fail(path, "no data source named " + in_quotes(v.get<std::string>()));
    }
  }
};

// ---- sharding -------------------------------------------------------------------------

const std::map<std::string, std::set<std::string>> algorithm_keys = {
    {"mod", {"modulus"}},       {"hash_mod", {"key_type"}},
    {"range", {"boundaries"}},  {"interval", {"start", "unit", "step"}},
    {"inline", {"expression"}}, {"gene", {"modulus"}},
};

std::vector<std::string> parse_columns(const json& s, const std::string& p, const std::string& algorithm) {
  if (s.contains("column") && s.contains("columns")) fail(p, "give either column or columns, not both");
  std::vector<std::string> columns;
  if (s.contains("column")) {
    columns.push_back(get_string(s, p, "column", true));
  } else {
    const std::string cp = join(p, "columns");
    if (!s.contains("columns")) fail(cp, "missing");
    const json& c = s["columns"];
    if (!c.is_array() || c.empty()) fail(cp, "expected a non-empty array of column names");
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (!c[i].is_string() || c[i].get<std::string>().empty()) fail(at(cp, i), "expected a column name");
      for (const auto& prior : columns) {
        if (same_column(prior, c[i].get<std::string>())) fail(at(cp, i), "duplicate column " + c[i].dump());
      }
      columns.push_back(c[i].get<std::string>());
    }
  }
  if (algorithm != "gene" && columns.size() != 1) {
    fail(join(p, "columns"),
         "algorithm " + in_quotes(algorithm) + " takes exactly one column, got " + std::to_string(columns.size()));
  }
  return columns;
}

void check_modulus(const json& s, const std::string& p, std::size_t nodes) {
  long long m = get_int(s, p, "modulus", static_cast<long long>(nodes), 1, 1000000000);
  if (m != static_cast<long long>(nodes)) {
    fail(join(p, "modulus"),
         "must equal the number of data nodes (" + std::to_string(nodes) + "), got " + std::to_string(m));
  }
}

algorithm_ptr parse_range(const json& s, const std::string& p, std::size_t nodes) {
  const std::string bp = join(p, "boundaries");
  if (!s.contains("boundaries")) fail(bp, "missing");
  const json& b = s["boundaries"];
  if (!b.is_array() || b.empty()) fail(bp, "expected a non-empty array of ascending integers");
  std::vector<std::int64_t> boundaries;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (!b[i].is_number_integer() || (b[i].is_number_unsigned() && b[i].get<std::uint64_t>() > INT64_MAX)) {
      fail(at(bp, i), "expected a 64-bit integer, got " + b[i].dump());
    }
    if (!boundaries.empty() && b[i].get<std::int64_t>() <= boundaries.back()) {
      fail(at(bp, i),
           "boundaries must be strictly ascending, got " + b[i].dump() + " after " + std::to_string(boundaries.back()));
    }
    boundaries.push_back(b[i].get<std::int64_t>());
  }
  if (boundaries.size() + 1 != nodes) {
    fail(bp, std::to_string(boundaries.size()) + " boundaries make " + std::to_string(boundaries.size() + 1) +
                 " ranges, but the table has " + std::to_string(nodes) + " data nodes");
  }
  return make_range(std::move(boundaries));
}

algorithm_ptr parse_interval(const json& s, const std::string& p, std::size_t nodes) {
  std::string start_text = get_string(s, p, "start", true);
  auto start = parse_datetime(start_text);
  if (!start || start_text.size() != 10)
    fail(join(p, "start"), "expected a date \"YYYY-MM-DD\", got " + in_quotes(start_text));
  auto unit = one_of(s, p, "unit", {"day", "month"}, true, "unit") == "day" ? interval_unit::day : interval_unit::month;
  if (unit == interval_unit::month && start->day != 1) {
    fail(join(p, "start"), "with unit \"month\", start must be the first day of a month");
  }
  long long step = get_int(s, p, "step", 1, 1, 100000);
  return make_interval(nodes, *start, unit, step);
}

struct sharding {
  std::vector<std::string> columns;
  algorithm_ptr algorithm;
  std::string name;
};

sharding parse_sharding(const json& s, const std::string& p, std::size_t nodes) {
  if (!s.is_object()) fail(p, "expected an object, got " + s.dump());
  const std::string name =
      one_of(s, p, "algorithm", {"mod", "hash_mod", "range", "interval", "inline", "gene"}, true, "algorithm");
  std::set<std::string> allowed = algorithm_keys.at(name);
  std::string takes;
  for (const auto& k : allowed) takes += (takes.empty() ? "" : ", ") + k;
  allowed.insert({"algorithm", "column", "columns"});
  only_keys(s, p, allowed, " for algorithm " + in_quotes(name) + " (it takes: " + takes + ")");
  sharding out{parse_columns(s, p, name), nullptr, name};
  if (name == "mod" || name == "gene") {
    check_modulus(s, p, nodes);
    out.algorithm = name == "mod" ? make_mod(nodes) : make_gene(nodes);
  } else if (name == "hash_mod") {
    bool integer = one_of(s, p, "key_type", {"string", "integer"}, false, "key_type") == "integer";
    out.algorithm = make_hash_mod(nodes, integer ? hash_key_type::integer : hash_key_type::string);
  } else if (name == "range") {
    out.algorithm = parse_range(s, p, nodes);
  } else if (name == "interval") {
    out.algorithm = parse_interval(s, p, nodes);
  } else {
    auto e = inline_expression::parse(get_string(s, p, "expression", true), out.columns.front());
    if (!e) fail(join(p, "expression"), e.error());
    out.algorithm = make_inline(nodes, std::move(*e));
  }
  return out;
}

// ---- key generators -------------------------------------------------------------------

std::shared_ptr<key_generator> parse_key_generator(const json& k, const std::string& p, const table_kind kind,
                                                   const sharding& sh, std::size_t nodes) {
  only_keys(k, p, {"column", "type", "worker_id", "gene_column", "modulus"});
  std::string column = get_string(k, p, "column", true);
  std::string type = one_of(k, p, "type", {"snowflake", "gene"}, true, "type");
  int worker = static_cast<int>(get_int(k, p, "worker_id", 0, 0, max_worker_id));
  if (type == "snowflake") {
    for (const char* key : {"gene_column", "modulus"}) {
      if (k.contains(key)) fail(join(p, key), "only for type \"gene\"");
    }
    return std::make_shared<key_generator>(key_generator::kind::snowflake, column, "", worker, 1);
  }
  if (kind != table_kind::sharded || (sh.name != "gene" && sh.name != "mod")) {
    fail(join(p, "type"), "a gene key generator needs a table sharded by gene or mod");
  }
  std::string gene = get_string(k, p, "gene_column", true);
  if (same_column(gene, column)) fail(join(p, "gene_column"), "must differ from column");
  if (std::none_of(sh.columns.begin(), sh.columns.end(), [&](const std::string& c) { return same_column(c, gene); })) {
    fail(join(p, "gene_column"), in_quotes(gene) + " is not a sharding column of this table");
  }
  long long modulus = get_int(k, p, "modulus", static_cast<long long>(nodes), 1, 1ll << 40);
  if (modulus < 2 || modulus > max_gene_modulus || (modulus & (modulus - 1)) != 0) {
    fail(join(p, "modulus"),
         "expected a power of two in 2.." + std::to_string(max_gene_modulus) + ", got " + std::to_string(modulus));
  }
  if (modulus % static_cast<long long>(nodes) != 0) {
    fail(join(p, "modulus"), "must be a multiple of the table's " + std::to_string(nodes) +
                                 " data nodes, or ids would not land with their gene column");
  }
  return std::make_shared<key_generator>(key_generator::kind::gene, column, gene, worker, static_cast<int>(modulus));
}

// ---- tables ---------------------------------------------------------------------------

std::vector<data_node> parse_data_nodes(const json& t, const std::string& path, const schema_rules& schema) {
  const std::string p = join(path, "data_nodes");
  if (!t.contains("data_nodes")) fail(p, "missing (or set \"broadcast\": true)");
  const json& dn = t["data_nodes"];
  std::vector<std::pair<std::string, std::string>> patterns;  // (path, pattern)
  if (dn.is_string()) {
    patterns.emplace_back(p, dn.get<std::string>());
  } else if (dn.is_array() && !dn.empty()) {
    for (std::size_t i = 0; i < dn.size(); ++i) {
      if (!dn[i].is_string()) fail(at(p, i), "expected a data node expression, got " + dn[i].dump());
      patterns.emplace_back(at(p, i), dn[i].get<std::string>());
    }
  } else {
    fail(p, "expected \"db_${0..1}.t_${0..3}\" or a non-empty array of such expressions");
  }
  std::vector<data_node> nodes;
  std::set<std::string> seen;
  for (const auto& [pp, pattern] : patterns) {
    auto expanded = expand_data_nodes(pattern);
    if (!expanded) fail(pp, expanded.error());
    for (data_node& n : *expanded) {
      auto db = schema.databases.find(n.database);
      if (db == schema.databases.end()) {
        fail(pp, "node " + in_quotes(n.text()) + ": database " + in_quotes(n.database) + " is not mapped in " +
                     in_quotes("schemas." + schema.name + ".databases"));
      }
      if (!seen.insert(n.text()).second) fail(pp, "node " + in_quotes(n.text()) + " is listed twice");
      if (nodes.size() == max_expanded_names) fail(p, "more than " + std::to_string(max_expanded_names) + " nodes");
      n.data_source = db->second;
      nodes.push_back(std::move(n));
    }
  }
  return nodes;
}

table_rule parse_table(const std::string& name, const json& t, const std::string& path, const schema_rules& schema) {
  only_keys(t, path, {"data_nodes", "sharding", "key_generator", "broadcast", "max_statement_time_ms"});
  bool broadcast = false;
  if (t.contains("broadcast")) {
    if (!t["broadcast"].is_boolean())
      fail(join(path, "broadcast"), "expected true or false, got " + t["broadcast"].dump());
    broadcast = t["broadcast"].get<bool>();
  }
  std::vector<data_node> nodes;
  sharding sh;
  if (broadcast) {
    for (const char* key : {"data_nodes", "sharding"}) {
      if (t.contains(key)) fail(join(path, key), "a broadcast table lives in every database of the schema: remove it");
    }
    if (schema.databases.empty()) {
      fail(join(path, "broadcast"),
           "needs physical databases, but " + in_quotes("schemas." + schema.name + ".databases") + " is empty");
    }
    for (const auto& [database, source] : schema.databases) nodes.push_back(data_node{source, database, name});
  } else {
    nodes = parse_data_nodes(t, path, schema);
    if (!t.contains("sharding")) fail(join(path, "sharding"), "missing: a table with data_nodes needs a sharding rule");
    sh = parse_sharding(t["sharding"], join(path, "sharding"), nodes.size());
  }
  const table_kind kind = broadcast ? table_kind::broadcast : table_kind::sharded;
  std::shared_ptr<key_generator> keys;
  if (t.contains("key_generator")) {
    keys = parse_key_generator(t["key_generator"], join(path, "key_generator"), kind, sh, nodes.size());
  }
  table_rule rule(name, kind, std::move(nodes), std::move(sh.columns), std::move(sh.algorithm), std::move(keys));
  rule.set_statement_limit(std::chrono::milliseconds(get_int(t, path, "max_statement_time_ms", 0, 0, 86400000)));
  return rule;
}

// ---- schemas --------------------------------------------------------------------------

std::string column_list(const table_rule& t) {
  std::vector<std::string> columns;
  for (std::string c : t.sharding_columns()) {
    std::transform(c.begin(), c.end(), c.begin(), [](char ch) { return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch; });
    columns.push_back(std::move(c));
  }
  std::sort(columns.begin(), columns.end());
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ",") + c;
  return "[" + out + "]";
}

std::string sharding_text(const table_rule& t) { return t.algorithm()->canonical() + " on " + column_list(t); }

void parse_binding_groups(const json& v, const std::string& path, schema_rules& schema) {
  const std::string p = join(path, "binding_groups");
  if (!v.is_array()) fail(p, "expected an array of arrays of table names");
  std::map<std::string, std::string> bound;  // table -> group path
  for (std::size_t g = 0; g < v.size(); ++g) {
    const std::string gp = at(p, g);
    if (!v[g].is_array() || v[g].size() < 2) fail(gp, "expected an array of at least two table names");
    auto group = std::make_shared<std::vector<std::string>>();
    for (std::size_t i = 0; i < v[g].size(); ++i) {
      const std::string ip = at(gp, i);
      if (!v[g][i].is_string()) fail(ip, "expected a table name, got " + v[g][i].dump());
      const std::string name = v[g][i].get<std::string>();
      const table_rule* t = schema.find_table(name);
      if (!t) fail(ip, "no table " + in_quotes(name) + " in " + in_quotes(join(path, "tables")));
      if (t->kind() != table_kind::sharded)
        fail(ip, "table " + in_quotes(name) + " is broadcast; only sharded tables bind");
      if (!bound.emplace(name, gp).second) fail(ip, "table " + in_quotes(name) + " is already bound in " + bound[name]);
      if (!group->empty()) {
        const table_rule& first = *schema.find_table(group->front());
        if (t->node_count() != first.node_count()) {
          fail(ip, in_quotes(name) + " has " + std::to_string(t->node_count()) + " data nodes, " +
                       in_quotes(first.name()) + " has " + std::to_string(first.node_count()));
        }
        if (sharding_text(*t) != sharding_text(first)) {
          fail(ip, in_quotes(name) + " shards by " + sharding_text(*t) + ", " + in_quotes(first.name()) + " by " +
                       sharding_text(first));
        }
        for (std::size_t n = 0; n < t->node_count(); ++n) {
          if (t->node(n).data_source != first.node(n).data_source) {
            fail(ip, "node " + std::to_string(n) + " of " + in_quotes(name) + " is on " + t->node(n).data_source +
                         ", of " + in_quotes(first.name()) + " on " + first.node(n).data_source +
                         ": bound tables must keep node i on one data source");
          }
        }
      }
      group->push_back(name);
    }
    for (const auto& name : *group) schema.tables.at(name).set_binding_group(group);
    schema.binding_groups.push_back(*group);
  }
}

void parse_databases(const json& v, const std::string& path, const context& ctx, schema_rules& schema) {
  const std::string p = join(path, "databases");
  if (!v.is_object()) fail(p, "expected an object of physical database: data source");
  std::map<std::string, std::string> owner;  // database -> the pattern that mapped it
  for (const auto& [pattern, source] : v.items()) {
    const std::string kp = join(p, pattern);
    auto names = expand_inline(pattern);
    if (!names) fail(kp, names.error());
    ctx.check_data_source(kp, source);
    for (const std::string& db : *names) {
      if (!is_valid_object_name(db)) fail(kp, "invalid database name " + in_quotes(db));
      if (!owner.emplace(db, pattern).second)
        fail(kp, "database " + in_quotes(db) + " is already mapped by " + in_quotes(owner[db]));
      schema.databases.emplace(db, source.get<std::string>());
    }
  }
}

schema_rules parse_schema(const std::string& name, const json& v, const std::string& path, const context& ctx) {
  only_keys(v, path, {"default_data_source", "databases", "tables", "binding_groups", "transaction_mode"});
  schema_rules schema;
  schema.name = name;
  if (v.contains("transaction_mode")) {
    const json& m = v["transaction_mode"];
    auto mode = m.is_string() ? parse_transaction_mode(m.get<std::string>()) : std::nullopt;
    if (!mode) fail(join(path, "transaction_mode"), "expected \"local\", \"best_effort\" or \"xa\", got " + m.dump());
    schema.txn_mode = mode;
  }
  if (!v.contains("default_data_source")) fail(join(path, "default_data_source"), "missing");
  ctx.check_data_source(join(path, "default_data_source"), v["default_data_source"]);
  schema.default_data_source = v["default_data_source"].get<std::string>();
  if (v.contains("databases")) parse_databases(v["databases"], path, ctx, schema);
  if (v.contains("tables")) {
    const std::string tp = join(path, "tables");
    if (!v["tables"].is_object()) fail(tp, "expected an object of table name: {...}");
    std::map<std::string, std::string> placed;  // "ds/db.table" -> logical table
    for (const auto& [table, t] : v["tables"].items()) {
      const std::string p = join(tp, table);
      if (!is_valid_object_name(table)) fail(p, "invalid table name");
      table_rule rule = parse_table(table, t, p, schema);
      for (const data_node& n : rule.nodes()) {
        auto [it, fresh] = placed.emplace(n.data_source + "/" + n.text(), table);
        if (!fresh)
          fail(p, "node " + in_quotes(n.text()) + " on " + n.data_source + " also belongs to table " +
                      in_quotes(it->second));
      }
      schema.tables.emplace(table, std::move(rule));
    }
  }
  if (v.contains("binding_groups")) parse_binding_groups(v["binding_groups"], path, schema);
  return schema;
}
}  // namespace

rules_result parse_rules(const nlohmann::json& schemas, const std::set<std::string>& data_source_names) {
  try {
    if (!schemas.is_object()) fail("schemas", "expected an object of logical database name: {...}");
    context ctx{data_source_names};
    sharding_rules rules;
    for (const auto& [name, v] : schemas.items()) {
      const std::string path = join("schemas", name);
      if (!is_valid_object_name(name)) fail(path, "invalid logical database name");
      rules.schemas.emplace(name, parse_schema(name, v, path, ctx));
    }
    for (const auto& [_, schema] : rules.schemas) {
      for (const auto& [_, table] : schema.tables) {
        rules.any_statement_limit = rules.any_statement_limit || table.statement_limit().count() > 0;
      }
    }
    return rules;
  } catch (const bad_key& e) {
    return rules_result(boost::system::in_place_error, e.message);
  }
}

}  // namespace shardwire::router
