#include "router/plan_cache.hpp"

#include <algorithm>

#include "router/formatter.hpp"

namespace shardwire::router {

using detail::resolved_table;

void slot_values::push(shard_value v, std::string_view text) {
  if (values.size() <= size) {
    values.resize(size + 1);
    texts.resize(size + 1);
  }
  values[size] = std::move(v);
  texts[size].assign(text);
  ++size;
}

namespace {

// Turns the literals the planner reads only through constant_of() into slots
// `base + ordinal` (see plan_cache.hpp). Recursion follows expression arguments, whose
// depth the parser bounds (max_height).
class parameterizer {
 public:
  parameterizer(std::string_view sql, const statement_shape& shape, int base, std::vector<bool>& slot)
      : sql_(sql), shape_(shape), base_(base), slot_(slot) {}

  void statement(ast::statement& st) {
    if (auto* s = std::get_if<ast::select_stmt>(&st.node)) {
      if (s->terms.empty() && s->where) expr(*s->where);
    } else if (auto* u = std::get_if<ast::update_stmt>(&st.node)) {
      for (auto& a : u->set) expr(*a.value);
      if (u->where) expr(*u->where);
    } else if (auto* d = std::get_if<ast::delete_stmt>(&st.node)) {
      if (d->where) expr(*d->where);
    } else if (auto* i = std::get_if<ast::insert_stmt>(&st.node)) {
      for (auto& row : i->rows) {
        for (auto& v : row) expr(*v);
      }
      for (auto& a : i->set) expr(*a.value);
    }
  }

 private:
  void expr(ast::expr& e) {
    if (e.kind == ast::expr_kind::literal) return literal(e);
    if (e.kind == ast::expr_kind::unary) return;  // -5: the planner folds the sign into a literal
    for (auto& a : e.args) {
      if (a) expr(*a);
    }
  }
  void literal(ast::expr& e) {
    if (e.source == std::string::npos || !e.charset.empty()) return;
    if (e.lit != token_kind::number && e.lit != token_kind::string) return;
    const auto& lits = shape_.literals;
    auto it = std::lower_bound(lits.begin(), lits.end(), e.source,
                               [](const literal_token& t, std::size_t off) { return t.offset < off; });
    if (it == lits.end() || it->offset != e.source || it->introduced || it->kind != e.lit) return;
    auto i = static_cast<std::size_t>(it - lits.begin());
    if (e.text != shape_.text_of(sql_, i)) return;  // DATE '...' and the like carry more than the token
    e.kind = ast::expr_kind::placeholder;
    e.index = base_ + static_cast<int>(i);
    e.text = "?";
    slot_[i] = true;
  }

  std::string_view sql_;
  const statement_shape& shape_;
  int base_;
  std::vector<bool>& slot_;
};

// Prints slot i as texts[i]; names as written, or as node_mapper maps them.
class slot_printer : public name_mapper {
 public:
  explicit slot_printer(const std::vector<std::string>& texts, std::size_t used, const name_mapper* names = nullptr)
      : texts_(texts), used_(used), names_(names) {}
  std::optional<ast::table_name> table(const ast::table_name& n) const override {
    return names_ ? names_->table(n) : std::nullopt;
  }
  std::optional<ast::table_name> qualifier(const ast::table_name& q) const override {
    return names_ ? names_->qualifier(q) : std::nullopt;
  }
  bool keep_item_names() const override { return names_ && names_->keep_item_names(); }
  const std::string* placeholder(int index) const override {
    if (index < 0 || static_cast<std::size_t>(index) >= used_) return nullptr;
    return &texts_[static_cast<std::size_t>(index)];
  }

 private:
  const std::vector<std::string>& texts_;
  std::size_t used_;
  const name_mapper* names_;
};

// Marks for slots in a node template: \x01<slot>\x02. Statements holding \x01 are not
// cached (statement_shape), so a mark in the printed text is always one of these.
std::string mark_of(int slot) {
  std::string m(1, '\x01');
  m.append(std::to_string(slot));
  m.push_back('\x02');
  return m;
}

bool single_node_eligible(const ast::statement& st, const std::vector<resolved_table>& tables,
                          const std::vector<sharded_use>& set) {
  if (tables.empty() || set.size() != tables.size()) return false;  // unsharded or broadcast tables too
  if (const auto* s = std::get_if<ast::select_stmt>(&st.node)) return s->terms.empty();
  if (const auto* u = std::get_if<ast::update_stmt>(&st.node)) {
    // A SET of a sharding column may move rows: the planner checks its value.
    for (const auto& a : u->set) {
      for (const auto& use : set) {
        if (use.rule->is_sharding_column(a.column.back().name)) return false;
      }
    }
    return true;
  }
  return std::holds_alternative<ast::delete_stmt>(st.node);
}

}  // namespace

std::shared_ptr<cached_statement> cached_statement::make(ast::statement st, std::string_view sql,
                                                         const statement_shape& shape, const plan_result& planned,
                                                         const route_context& ctx,
                                                         std::shared_ptr<const sharding_rules> rules) {
  if (!planned || planned->type == plan::kind::explain) return nullptr;
  bool dml = std::holds_alternative<ast::select_stmt>(st.node) || std::holds_alternative<ast::insert_stmt>(st.node) ||
             std::holds_alternative<ast::update_stmt>(st.node) || std::holds_alternative<ast::delete_stmt>(st.node);
  if (!dml || !shape.cacheable || st.placeholders != shape.placeholders || rules.get() != ctx.rules) return nullptr;
  std::shared_ptr<cached_statement> c(new cached_statement);
  const std::string as_parsed = format(st);
  c->slot_.assign(shape.literals.size(), false);
  parameterizer(sql, shape, st.placeholders, c->slot_).statement(st);
  // The template printed with this statement's literals must be the statement as parsed.
  std::vector<std::string> texts(static_cast<std::size_t>(st.placeholders) + shape.literals.size(), "?");
  for (std::size_t i = 0; i < shape.literals.size(); ++i) {
    texts[static_cast<std::size_t>(st.placeholders) + i] = std::string(shape.text_of(sql, i));
    if (!c->slot_[i]) c->fixed_.emplace_back(static_cast<std::uint32_t>(i), shape.text_of(sql, i));
  }
  slot_printer all(texts, texts.size());
  if (format(st, &all) != as_parsed) return nullptr;
  c->stmt_ = std::make_shared<const ast::statement>(std::move(st));
  c->rules_ = std::move(rules);
  c->default_data_source_ = ctx.default_data_source;
  c->schema_ = ctx.current_schema;

  c->resolved_ = detail::resolve(*c->stmt_, ctx);
  auto set = detail::binding_set(c->resolved_);
  if (!set || !single_node_eligible(*c->stmt_, c->resolved_, *set)) return c;
  c->fast_ = true;
  c->write_ = detail::is_write(*c->stmt_);
  c->where_ = detail::where_of(*c->stmt_);
  c->rule_ = set->front().rule;
  c->conditions_.tables = std::move(*set);
  c->nodes_.resize(c->rule_->node_count());
  if (c->rules_->any_statement_limit) {  // as route() takes it: the smallest of the tables'
    for (const auto& t : c->resolved_) {
      auto limit = t.rule ? t.rule->statement_limit() : std::chrono::milliseconds(0);
      if (limit.count() > 0 && (c->limit_.count() == 0 || limit < c->limit_)) c->limit_ = limit;
    }
  }
  return c;
}

bool cached_statement::matches(std::string_view sql, const statement_shape& shape) const {
  if (shape.literals.size() != slot_.size()) return false;
  return std::all_of(fixed_.begin(), fixed_.end(),
                     [&](const auto& f) { return shape.text_of(sql, f.first) == f.second; });
}

bool cached_statement::bind_literals(std::string_view sql, const statement_shape& shape, slot_values& out) const {
  for (std::size_t i = 0; i < shape.literals.size(); ++i) {
    std::string_view text = shape.text_of(sql, i);
    if (!slot_[i]) {
      out.push(shard_value::null(), text);  // never read: fixed literals print as written
      continue;
    }
    token_stream ts(text);
    auto v = literal_value(ts.next());
    if (!v) return false;
    out.push(std::move(*v), text);
  }
  return true;
}

boost::system::result<bool, protocol::sql_error> cached_statement::plan_for(std::string_view sql,
                                                                           const slot_values& slots,
                                                                           const route_context& ctx, plan& out) {
  if (fast_ && bind_fast(slots, out)) return {boost::system::in_place_value, true};
  route_context bound = ctx;
  bound.params = &slots.values;
  bound.param_literals = &slots.texts;
  auto r = route(*stmt_, sql, bound);
  if (!r) return r.error();
  out = std::move(*r);
  return {boost::system::in_place_value, false};
}

bool cached_statement::bind_fast(const slot_values& slots, plan& out) {
  conditions_.params = &slots.values;
  node_set nodes = match_nodes(where_, conditions_);
  conditions_.params = nullptr;
  if (!nodes || nodes->size() > 1) return false;  // several nodes: the planner merges or fans out
  std::size_t i = nodes->empty() ? 0 : *nodes->begin();  // a contradiction: node 0 answers with no rows
  node_text& t = node(i, slots);
  if (!t.usable) return false;
  const data_node& n = rule_->node(i);
  out.type = plan::kind::single;
  out.write = write_;
  out.explained.reset();
  out.merge.reset();
  out.union_tail.clear();
  out.union_derived_terms = false;
  out.generated_id.reset();
  out.returns_rows = false;
  out.statement_limit = limit_;
  out.targets.resize(1);
  auto& target = out.targets.front();
  target.data_source.assign(n.data_source);
  target.database.assign(n.database);
  render(t, slots, target.sql);
  return true;
}

// Node i's template, printed on first use: the node statement with a mark for each
// slot, cut at the marks. Checked against the planner's own printing of this execution.
cached_statement::node_text& cached_statement::node(std::size_t i, const slot_values& slots) {
  node_text& t = nodes_[i];
  if (t.built) return t;
  t.built = true;
  const data_node& n = rule_->node(i);
  std::vector<std::string> marks(slots.size);
  for (std::size_t s = 0; s < marks.size(); ++s) marks[s] = mark_of(static_cast<int>(s));
  detail::node_mapper names(resolved_, i, n.database);
  slot_printer marked(marks, marks.size(), &names);
  std::string printed = format(*stmt_, &marked);
  for (std::size_t at = 0; at < printed.size();) {
    auto open = printed.find('\x01', at);
    if (open == std::string::npos) {
      t.text.append(printed, at, std::string::npos);
      break;
    }
    auto close = printed.find('\x02', open);
    if (close == std::string::npos) return t;  // not a mark of ours: no template for this node
    t.text.append(printed, at, open - at);
    int slot = std::stoi(printed.substr(open + 1, close - open - 1));
    t.holes.emplace_back(static_cast<std::uint32_t>(t.text.size()), slot);
    at = close + 1;
  }
  slot_printer bound(slots.texts, slots.size, &names);
  std::string rendered;
  render(t, slots, rendered);
  t.usable = rendered == format(*stmt_, &bound);
  return t;
}

void cached_statement::render(const node_text& t, const slot_values& slots, std::string& out) const {
  out.clear();
  std::size_t at = 0;
  for (const auto& [offset, slot] : t.holes) {
    out.append(t.text, at, offset - at);
    const std::string& text = slots.texts[static_cast<std::size_t>(slot)];
    // "--5" would read as a comment to some tools: the formatter spaces it, so do we.
    if (!text.empty() && text[0] == '-' && !out.empty() && out.back() == '-') out.push_back(' ');
    out.append(text);
    at = offset;
  }
  out.append(t.text, at, std::string::npos);
}

void plan_cache::set_capacity(std::size_t max_entries) {
  max_ = max_entries;
  while (lru_.size() > max_) {
    erase(std::prev(lru_.end()));
    ++counters_.evictions;
  }
}

void plan_cache::compose_key(std::string& out, std::string_view shape_key, std::string_view schema) {
  // <length of schema>:<schema><shape>: no two (schema, shape) pairs compose alike.
  out.clear();
  out.append(std::to_string(schema.size()));
  out.push_back(':');
  out.append(schema);
  out.append(shape_key);
}

std::shared_ptr<cached_statement> plan_cache::find(std::string_view key, const sharding_rules* rules,
                                                   const std::string& default_data_source, std::string_view sql,
                                                   const statement_shape* shape) {
  auto it = map_.find(key);
  if (it == map_.end()) {
    ++counters_.misses;
    return nullptr;
  }
  auto entry = it->second->second;
  if (entry->rules() != rules || entry->default_data_source() != default_data_source) {
    erase(it->second);  // made under rules a reload replaced
    ++counters_.invalidations;
    ++counters_.misses;
    return nullptr;
  }
  if (shape && !entry->matches(sql, *shape)) {  // other fixed literals (LIMIT 20 vs 10): replaced after planning
    ++counters_.misses;
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  ++counters_.hits;
  return entry;
}

void plan_cache::insert(std::string_view key, std::shared_ptr<cached_statement> entry) {
  if (max_ == 0 || !entry) return;
  if (auto it = map_.find(key); it != map_.end()) erase(it->second);
  while (lru_.size() >= max_) {
    erase(std::prev(lru_.end()));
    ++counters_.evictions;
  }
  lru_.emplace_front(std::string(key), std::move(entry));
  map_.emplace(std::string_view(lru_.front().first), lru_.begin());
}

void plan_cache::erase(entry_list::iterator it) {
  map_.erase(std::string_view(it->first));
  lru_.erase(it);
}

void plan_cache::clear() {
  counters_.invalidations += lru_.size();
  map_.clear();
  lru_.clear();
}

}  // namespace shardwire::router
