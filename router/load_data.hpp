// LOAD DATA LOCAL INFILE into a sharded table. The proxy reads the client's file, cuts
// it into records as the server would (FIELDS / LINES options), routes each record by its
// sharding column values, and has every node load its share with the same options: each
// node's server parses the same bytes the client wrote. Pure code: the session feeds the
// file and runs the node statements.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "protocol/errors.hpp"
#include "router/lexer.hpp"

namespace shardwire::router {

// How the file is cut: FIELDS TERMINATED / [OPTIONALLY] ENCLOSED / ESCAPED BY, LINES
// STARTING / TERMINATED BY (MariaDB's defaults).
struct load_format {
  std::string field_term = "\t";
  std::optional<char> enclosed;
  std::optional<char> escape = '\\';
  std::string line_start;
  std::string line_term = "\n";
};

struct load_data_stmt {
  std::string file;                   // the name the client is asked for
  std::optional<std::string> schema;  // INTO TABLE [schema.]table
  std::string table;
  load_format format;
  std::uint64_t ignore_lines = 0;     // IGNORE n LINES: skipped by the proxy, once
  std::vector<std::string> columns;   // the column list: names, or @variables as written
  // Text of the node statements: before the table name ("LOAD DATA ... INTO TABLE "),
  // after it up to the column list (CHARACTER SET, FIELDS, LINES as written, no IGNORE
  // n LINES), and the SET clause (" SET ..." or "").
  std::string head, options, set_clause;
};

using load_result = boost::system::result<load_data_stmt, protocol::sql_error>;

// One LOAD DATA LOCAL INFILE statement; an error names what the proxy does not take
// (fixed-width rows, a file name that is not a string).
load_result parse_load_data(std::string_view sql, const lex_options& opts = {});

// The statement a node runs: the client's, into `database`.`table`, with `extra` columns
// (a generated key) after the client's column list.
std::string load_node_statement(const load_data_stmt& s, std::string_view database, std::string_view table,
                                const std::vector<std::string>& extra);

// One record of the file: its bytes (line terminator included, when it had one) and the
// values of the fields asked for (nullopt: \N, NULL).
struct load_record {
  std::string_view bytes;
  bool terminated = true;  // false: the last record of the file, without a line terminator
  std::size_t fields = 0;
  std::vector<std::optional<std::string>> values;  // of the `wanted` field indices, in that order
};

// Cuts a stream of file bytes into records. feed() appends bytes; next() gives the next
// complete record (valid until the following feed or next), nullopt when more bytes are
// needed; after finish(), the rest of the file is the last record. Memory: the bytes of
// one record (bounded by `max_record`) plus what one feed() gave.
class load_splitter {
 public:
  load_splitter(load_format format, std::vector<std::size_t> wanted, std::size_t max_record)
      : f_(std::move(format)), wanted_(std::move(wanted)), max_record_(max_record) {}
  void feed(std::string_view bytes);
  void finish() { eof_ = true; }
  // nullopt with error() set: a record longer than max_record.
  std::optional<load_record> next();
  bool error() const { return error_; }

 private:
  enum class scan { complete, more, skip };
  scan scan_record(std::size_t start, load_record& out, std::size_t& end);
  bool at(std::size_t p, std::string_view s) const;
  // An escape sequence at `p`: its value appended and `p` moved past it (taken), its
  // second byte not here yet (more), or no escape character at `p` (none).
  enum class esc { none, more, taken };
  esc take_escape(std::size_t& p, std::string& value) const;
  void keep(load_record& r, std::size_t field, std::optional<std::string> value) const;

  load_format f_;
  std::vector<std::size_t> wanted_;
  std::size_t max_record_;
  std::string buf_;
  std::size_t pos_ = 0;  // start of the next record in buf_
  bool eof_ = false;
  bool error_ = false;
};

class table_rule;

// Which node each record of a LOAD DATA into sharded table `rule` goes to, and the bytes
// that node loads: the record as the client wrote it, with a line terminator when it had
// none (the last line), and with a generated key as one more field when the column list
// leaves the key out (the column then goes after the client's list).
class load_router {
 public:
  using made = boost::system::result<load_router, protocol::sql_error>;
  static made make(const table_rule& rule, const load_data_stmt& s);

  const std::vector<std::size_t>& wanted() const { return wanted_; }  // fields the splitter reads
  const std::vector<std::string>& extra_columns() const { return extra_; }
  // Appends what the record's node loads to `out`; the node's index in the rule. `line`
  // numbers the record (1-based) for errors.
  boost::system::result<std::size_t, protocol::sql_error> route(const load_record& r, std::uint64_t line,
                                                                std::string& out) const;
  std::optional<std::uint64_t> first_generated() const { return first_key_; }

 private:
  const table_rule* rule_ = nullptr;
  load_format format_;
  std::size_t column_count_ = 0;
  std::vector<std::size_t> wanted_;           // field index per wanted value
  std::vector<std::string> wanted_column_;    // its column name
  std::optional<std::size_t> gene_value_;     // index into wanted_ of the gene column
  std::vector<std::string> extra_;
  mutable std::optional<std::uint64_t> first_key_;
};

}  // namespace shardwire::router
