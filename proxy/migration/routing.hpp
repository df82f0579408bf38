// The config sessions run with while migrations are switched: the loaded config plus,
// for each route, the source table's name as a logical table under its target's rule
// (same nodes, algorithm and key generator), in `rules` for every switched route and in
// `write_rules` for those whose writes switched; routes that do not switch reads yet
// only in `double_writes`. Pure.
#pragma once

#include <memory>
#include <vector>

#include "proxy/server/config.hpp"

namespace shardwire::proxy::migration {

// nullptr and `why` set when a route's target is not a sharded logical table of `base`.
std::shared_ptr<const config> with_routes(std::shared_ptr<const config> base, const std::vector<route>& routes,
                                          std::string& why);

}  // namespace shardwire::proxy::migration
