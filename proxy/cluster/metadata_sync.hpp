// Startup repair of the metadata shadow tables (docs/routing.md, "Metadata"): every
// sharded or broadcast table has an empty table of the same name and shape in its
// logical database on the schema's default data source, which answers what clients ask
// about the logical table (information_schema, SHOW CREATE TABLE, DESCRIBE, ...). DDL
// through the proxy keeps shadows current; this creates the ones that are missing
// (tables made before shadows existed, or a shadow dropped on the backend) from a
// physical node that exists.
#pragma once

#include <spdlog/logger.h>

#include "proxy/server/config.hpp"

namespace shardwire::proxy {

// Blocking; run before the proxy listens, and on a thread of its own after a reload that
// changed the rules. Every backend operation is bounded by the data source's connect
// timeout and the whole run by four times the largest one; failures are warnings (the
// proxy serves anyway, metadata of those tables missing). `primaries`: each group's
// primary now (the state file or the API may have moved it from the config's).
void sync_metadata_shadows(const config& cfg, const std::map<std::string, endpoint>& primaries, spdlog::logger& log);

}  // namespace shardwire::proxy
