// Prints an AST back as SQL: keywords upper-case, single spaces, literals and quoted
// identifiers exactly as written. Rewriting happens here too: a name_mapper is asked
// for every table reference and column qualifier node, so physical names replace
// logical ones node by node (never by text replacement) and one immutable AST serves
// every target of a plan.
#pragma once

#include <optional>
#include <string>

#include "router/ast.hpp"

namespace shardwire::router {

class name_mapper {
 public:
  virtual ~name_mapper() = default;
  // The name to print for a table reference, or nullopt to print it as written.
  virtual std::optional<ast::table_name> table(const ast::table_name& name) const = 0;
  // The qualifier to print for a column qualified by `qualifier` ([schema.]table), or nullopt.
  virtual std::optional<ast::table_name> qualifier(const ast::table_name& qualifier) const = 0;
  // Whether unaliased expression items whose printed text differs from what the client
  // wrote get `AS <as written>`, so result column names stay the client's.
  virtual bool keep_item_names() const { return false; }
  // The text to print for placeholder `index` (a bound value as a literal, for
  // executing a prepared statement as text), or nullptr to print `?`.
  virtual const std::string* placeholder(int /*index*/) const { return nullptr; }
};

std::string format(const ast::statement& st, const name_mapper* map = nullptr);
std::string format(const ast::select_stmt& s, const name_mapper* map = nullptr);
std::string format(const ast::expr& e, const name_mapper* map = nullptr);
std::string format_identifier(const ast::identifier& id);
// A run kept as written (with a leading space where the source had one).
std::string format_opaque(const ast::opaque& o, const name_mapper* map = nullptr);
// One assignment of a SET statement, as it would follow `SET ` on its own.
std::string format_set_item(const ast::set_stmt::item& it);

}  // namespace shardwire::router
