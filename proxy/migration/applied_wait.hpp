// Waiting for a migration's applier (route.hpp tickets): what a write's OK and verify's
// re-check both need before they go on.
#pragma once

#include <chrono>

#include "proxy/migration/route.hpp"
#include "proxy/net/io.hpp"

namespace shardwire::proxy::migration {

// Takes a ticket, wakes the job's applier and waits until it has applied every change
// committed before the call: true then; false when `bound` passed first or the applier
// cannot apply (route_state::applying). Polls from 50 us up to every 1 ms.
asio::awaitable<bool> wait_applied(route_state& s, std::chrono::milliseconds bound);

}  // namespace shardwire::proxy::migration
