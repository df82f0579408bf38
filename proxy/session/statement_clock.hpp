// The clock of one statement under max_statement_time (session_timeout.cpp runs it): the
// watcher kills the statement when the time is up, unless the response completed first.
#pragma once

#include "proxy/net/io.hpp"

namespace shardwire::proxy {

struct statement_clock {
  explicit statement_clock(asio::any_io_executor ex) : timer(std::move(ex)) {}
  asio::steady_timer timer;
  bool done = false;   // the statement's response is complete: its connection is not touched
  bool fired = false;  // killed (or its connection closed) for running over
  void stop() {
    done = true;
    timer.cancel();
  }
};

}  // namespace shardwire::proxy
