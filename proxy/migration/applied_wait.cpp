#include "proxy/migration/applied_wait.hpp"

#include <algorithm>

namespace shardwire::proxy::migration {

asio::awaitable<bool> wait_applied(route_state& s, std::chrono::milliseconds bound) {
  if (!s.applying.load()) co_return false;
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t ticket = s.read_ticket.load() + 1;  // the next look starts after now
  s.nudge();
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer pause(ex);
  std::chrono::microseconds step(50);
  while (s.caught_up.load() < ticket) {
    if (std::chrono::steady_clock::now() - start >= bound || !s.applying.load()) co_return false;
    pause.expires_after(step);
    co_await pause.async_wait(use_nothrow);
    step = std::min<std::chrono::microseconds>(step * 2, std::chrono::milliseconds(1));
  }
  co_return true;
}

}  // namespace shardwire::proxy::migration
