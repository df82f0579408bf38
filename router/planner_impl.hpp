// Internals shared by planner.cpp and planner_insert.cpp.
#pragma once

#include "router/formatter.hpp"
#include "router/planner.hpp"
#include "router/route_conditions.hpp"
#include "router/table_refs.hpp"

namespace shardwire::router::detail {

// A table reference resolved against the rules.
struct resolved_table {
  const ast::table_name* name;
  const ast::identifier* alias;
  const schema_rules* schema;  // nullptr: not a logical database with rules
  const table_rule* rule;      // nullptr: unsharded (or no rules)
};

std::vector<resolved_table> resolve(const ast::statement& st, const route_context& ctx);

// Prints logical tables of a statement as the physical tables of node `index`
// (broadcast tables: their copy in the node's database).
class node_mapper : public name_mapper {
 public:
  node_mapper(const std::vector<resolved_table>& tables, std::size_t index, const std::string& database,
              const std::vector<std::string>* literals = nullptr)
      : tables_(tables), index_(index), database_(database), literals_(literals) {}
  std::optional<ast::table_name> table(const ast::table_name& name) const override;
  std::optional<ast::table_name> qualifier(const ast::table_name& q) const override;
  bool keep_item_names() const override { return true; }
  const std::string* placeholder(int index) const override {
    if (!literals_ || index < 0 || static_cast<std::size_t>(index) >= literals_->size()) return nullptr;
    return &(*literals_)[static_cast<std::size_t>(index)];
  }

 private:
  const resolved_table* find(const ast::table_name& n) const;
  std::optional<ast::table_name> physical(const resolved_table& t, bool with_schema) const;
  const std::vector<resolved_table>& tables_;
  std::size_t index_;
  const std::string& database_;
  const std::vector<std::string>* literals_;
};

// Prints names as written and placeholders as their bound literals (error messages).
class bound_values : public name_mapper {
 public:
  explicit bound_values(const std::vector<std::string>* literals) : literals_(literals) {}
  std::optional<ast::table_name> table(const ast::table_name&) const override { return std::nullopt; }
  std::optional<ast::table_name> qualifier(const ast::table_name&) const override { return std::nullopt; }
  const std::string* placeholder(int index) const override {
    if (!literals_ || index < 0 || static_cast<std::size_t>(index) >= literals_->size()) return nullptr;
    return &(*literals_)[static_cast<std::size_t>(index)];
  }

 private:
  const std::vector<std::string>* literals_;
};

protocol::sql_error unsupported(const std::string& what);
// Whether the statement changes data or schema (plan::write).
bool is_write(const ast::statement& st);
// The WHERE clause that picks nodes (SELECT without UNION, UPDATE, DELETE), else nullptr.
const ast::expr* where_of(const ast::statement& st);
// The sharded tables of a statement as one binding set (one table, or tables of one
// binding group), else the error refusing the statement.
boost::system::result<std::vector<sharded_use>, protocol::sql_error> binding_set(const std::vector<resolved_table>& tables);
// SHOW [FULL] TABLES / SHOW DATABASES listing logical names (planner_show.cpp);
// nullopt: not such a statement, or nothing logical about it.
std::optional<plan> show_logical(const ast::show_stmt& sh, const route_context& ctx);
// Metadata shadow tables (planner_meta.cpp): an empty <logical db>.<table> on the
// schema's default data source answers metadata questions under the logical name.
// SHOW COLUMNS/INDEX/CREATE TABLE and DESCRIBE of a logical table read its shadow;
// nullopt: not such a statement.
std::optional<plan_result> route_metadata(const ast::statement& st, std::string_view sql, const route_context& ctx);
// DDL refused on logical tables (RENAME TABLE, ALTER TABLE ... RENAME).
std::optional<protocol::sql_error> refused_ddl(const ast::ddl_stmt& d);
// A DDL plan over logical tables plus the same change to their shadow (last target).
plan_result with_shadow(plan_result r, const ast::statement& st, const std::vector<resolved_table>& tables);
plan_result route_insert(const ast::insert_stmt& ins, const ast::statement& st, const std::vector<resolved_table>& tables,
                         const route_context& ctx);

}  // namespace shardwire::router::detail
