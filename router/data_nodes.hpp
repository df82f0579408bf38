// Inline data node expressions: "db_${0..7}.order_info_${0..7}" names 64 physical
// tables. ${a..b} is the integers a..b (zero-padded to the width of a when a is
// written with a leading zero: ${00..15}); ${[x,y,z]} is the listed words. Several
// groups expand to their cartesian product, the leftmost varying slowest, so data
// nodes come out database-major. Pure code, no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "router/sharding_rule.hpp"

namespace shardwire::router {

// No expression may name more than this many things (a typo like ${0..99999999}
// must not eat the memory of the machine).
inline constexpr std::size_t max_expanded_names = 100000;

// Errors say what is wrong and where ("descending range ${3..1} at offset 5"),
// without a config path: the caller adds it.
using expansion_result = boost::system::result<std::vector<std::string>, std::string>;
expansion_result expand_inline(std::string_view pattern);

// Expands and splits each name at its one '.' into database and table (data_source
// left empty); both must be valid object names.
using data_nodes_result = boost::system::result<std::vector<data_node>, std::string>;
data_nodes_result expand_data_nodes(std::string_view pattern);

// A name the router can always write back-quoted into SQL: 1..64 bytes, no '.', '`',
// '/', '\\', whitespace or control characters.
bool is_valid_object_name(std::string_view name);

}  // namespace shardwire::router
