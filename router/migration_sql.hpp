// The statements of an online migration (proxy/migration/, docs/migrations.md): the
// change log and the triggers that fill it, locked reads of the source by key and by
// key range, the copies and deletes on the target nodes, and chunk checksums. Keys are
// integers (checked before they become text); row values travel as move_sql reads and
// writes them (numerics as checked literals, the rest as `_binary X'..'`); job names
// are [a-z0-9_] only. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "router/move_sql.hpp"

namespace shardwire::router::migration_sql {

using move_sql::column;
using move_sql::row;

inline constexpr std::string_view changelog_table = "_sw_changes";

// A job name usable in trigger names and as a literal: 1..32 of [a-z0-9_].
bool valid_job_name(std::string_view name);
// A job's apply token (the user variable its own connections set): 16 to 32 hex digits.
bool valid_token(std::string_view token);
// The statement that marks a connection's writes as the job's own (not logged).
std::string mark_applier(std::string_view token);
// The job's named lock on its source's server, taken without waiting: one value, 1 when
// taken (held until the connection closes). `job` is a valid_job_name.
std::string take_lock(std::string_view job);
// An integer key as the server prints it ("-12", "42"); false for anything else.
bool integer_text(std::string_view text);
// a < b for two integer_text keys, as integers.
bool key_less(std::string_view a, std::string_view b);

// The change log in the source's database: one row per row written while the triggers
// are there, in the writing transaction (so it commits or rolls back with the write).
std::string create_changelog(const data_node& source);
// AFTER INSERT / UPDATE / DELETE triggers on `table` recording into the change log of
// its database the key before and after and the `route_columns`' values before (where
// the row was on the target). Named _sw_<tag>_ai/au/ad: the source's tag is the job
// name, a target table's the job name and the node's index (several in one database).
// Writes of connections that ran mark_applier(token) are not logged.
std::vector<std::string> create_triggers(const data_node& table, std::string_view job, std::string_view tag,
                                         std::string_view token, const std::string& key,
                                         const std::vector<std::string>& route_columns);
std::vector<std::string> drop_triggers(const data_node& table, std::string_view tag);
// BEFORE INSERT / UPDATE / DELETE triggers refusing every write but the job's own
// (SQLSTATE 45000): on the source once writes switched, so a write that missed the
// switch (a transaction begun before it, a client beside the proxy) fails instead of
// being lost. Named _sw_<tag>_bi/bu/bd.
std::vector<std::string> create_guard_triggers(const data_node& table, std::string_view tag, std::string_view token);
std::vector<std::string> drop_guard_triggers(const data_node& table, std::string_view tag);
std::string triggers_query(const data_node& table, std::string_view tag);  // the names present

// The oldest committed entries: id, old_key, new_key, old_route (JSON array). No id
// watermark: ids are taken at insert and committed in another order, so an entry with a
// lower id may become visible later; entries are forgotten by id once applied.
std::string read_changes(const data_node& source, std::string_view job, std::size_t limit);
std::string forget_changes(const data_node& source, std::string_view job, const std::vector<std::string>& ids);
std::string pending_changes(const data_node& source, std::string_view job);  // COUNT(*)

// Locked reads of the source (FOR UPDATE: a copy and a write of the same row never
// interleave). `keys` are integer_text.
std::string select_keys(const data_node& from, const std::vector<column>& cols, const std::string& key,
                        const std::vector<std::string>& keys, bool lock);
// Rows with key > after (all when after is empty), in key order, at most limit.
std::string select_range(const data_node& from, const std::vector<column>& cols, const std::string& key,
                         const std::string& after, std::size_t limit, bool lock);
// The keys in (lo, hi] (either bound may be empty: open).
std::string select_between(const data_node& from, const std::vector<column>& cols, const std::string& key,
                           const std::string& lo, const std::string& hi, bool lock);
std::string keys_between(const data_node& from, const std::string& key, const std::string& lo, const std::string& hi);
std::string delete_keys(const data_node& from, const std::string& key, const std::vector<std::string>& keys);
// The key `n` rows after `after` (the end of a chunk); no row: the chunk runs to the end.
std::string chunk_end(const data_node& from, const std::string& key, const std::string& after, std::size_t n);
// COUNT(*) and an order-independent 64-bit checksum of the rows in (lo, hi]: the XOR of
// each row's MD5 prefix over every column's exact bytes (NULL distinct from any value).
std::string checksum(const data_node& from, const std::vector<column>& cols, const std::string& key,
                     const std::string& lo, const std::string& hi);
std::string table_rows_estimate(const data_node& from);
std::string table_exists(const data_node& t);  // one row when it exists
std::string rename_table(const data_node& from, const std::string& to);  // in the same database

// An archival job's condition (the operator's text) as one SQL expression, re-printed
// from its parse: nothing but an expression reaches a statement. nullopt and `why` when
// it is not one (a second statement, a placeholder, a clause of its own).
std::optional<std::string> archive_condition(const std::string& text, std::string& why);

}  // namespace shardwire::router::migration_sql
