// The statements that move rows to another shard (an UPDATE of a sharding column in an
// XA transaction, plan::moves; proxy/session/session_move.cpp runs them). Values travel
// as `_binary X'..'` of the column's own bytes (HEX() on the server) or as checked
// numeric literals: safe by construction in every character set. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "router/sharding_rule.hpp"

namespace shardwire::router::move_sql {

struct column {
  std::string name;
  bool numeric = false;  // carried as its text (checked), else as HEX() of its bytes
};

// Columns of a physical table that an INSERT may set (generated ones excluded), in
// order: COLUMN_NAME, DATA_TYPE.
std::string columns_query(const data_node& table);
bool numeric_type(std::string_view data_type);

// `db`.`table`, quoted.
std::string qualified(const data_node& n);
// The select list reading `cols` as insert_rows takes them: numerics as they are, the
// rest as HEX() of their bytes.
std::string select_list(const std::vector<column>& cols);
// The rows of `from` holding the new key, locked: numeric columns as text, the others HEX().
std::string select_rows(const data_node& from, const std::vector<column>& cols, const std::string& key_column,
                        const std::string& key_value);
// INSERTs of those rows into `to`, each at most max_bytes (one row may exceed it alone);
// nullopt when a value is not what select_rows reads (a numeric that is not a number,
// HEX() that is not hex).
using row = std::vector<std::optional<std::string>>;
// `verb`: "INSERT" or "REPLACE" (migrations: a copy that may already be there).
std::optional<std::vector<std::string>> insert_rows(const data_node& to, const std::vector<column>& cols,
                                                    const std::vector<row>& rows, std::size_t max_bytes = 1u << 20,
                                                    std::string_view verb = "INSERT");
std::string delete_rows(const data_node& from, const std::string& key_column, const std::string& key_value);

}  // namespace shardwire::router::move_sql
