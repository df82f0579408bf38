// proxy/server/admission: per-address, per-user and handshake counts; failed-login blocks.
#include "proxy/server/admission.hpp"

#include <catch2/catch.hpp>

using namespace shardwire::proxy;
using verdict = admission::verdict;
using namespace std::chrono_literals;

TEST_CASE("connections are counted per address, per user and before login", "[admission]") {
  admission a;
  admission_limits l{2, 3, 0, 300s};
  CHECK(a.arrive("10.0.0.1", l) == verdict::ok);
  CHECK(a.arrive("10.0.0.1", l) == verdict::ok);
  CHECK(a.arrive("10.0.0.1", l) == verdict::too_many);  // 2 per address
  CHECK(a.arrive("10.0.0.2", l) == verdict::ok);
  CHECK(a.arrive("10.0.0.3", l) == verdict::too_many);  // 3 in the handshake
  CHECK(a.authenticated("10.0.0.1", "app", 1));
  CHECK(a.unauthenticated() == 2);
  CHECK(a.arrive("10.0.0.3", l) == verdict::ok);
  CHECK_FALSE(a.authenticated("10.0.0.2", "app", 1));  // app is at 1
  CHECK(a.switch_user("app", "other", 0));
  CHECK(a.authenticated("10.0.0.2", "app", 1));  // app's place moved to other
  a.leave("10.0.0.1", "other");
  a.leave("10.0.0.2", "app");
  CHECK(a.connections_from("10.0.0.1") == 1);
  CHECK(a.connections_from("10.0.0.2") == 0);
}

TEST_CASE("failed logins in a row block an address for a while", "[admission]") {
  admission a;
  admission_limits l{0, 0, 3, 300s};
  auto t0 = admission::clock::now();
  a.failed("10.0.0.9", l, t0);
  a.failed("10.0.0.9", l, t0);
  REQUIRE(a.arrive("10.0.0.9", l, t0) == verdict::ok);
  CHECK(a.authenticated("10.0.0.9", "app", 0));  // a login resets the run
  a.failed("10.0.0.9", l, t0);
  a.failed("10.0.0.9", l, t0);
  CHECK(a.arrive("10.0.0.9", l, t0) == verdict::ok);
  a.failed("10.0.0.9", l, t0);
  CHECK(a.arrive("10.0.0.9", l, t0 + 1s) == verdict::blocked);
  CHECK(a.arrive("10.0.0.8", l, t0 + 1s) == verdict::ok);  // others are not
  CHECK(a.arrive("10.0.0.9", l, t0 + 301s) == verdict::ok);
}

TEST_CASE("backend connections are counted per user and data source", "[admission]") {
  admission a;
  CHECK(a.take_backend("app", "ds0", 2));
  CHECK(a.take_backend("app", "ds0", 2));
  CHECK_FALSE(a.take_backend("app", "ds0", 2));
  CHECK(a.take_backend("app", "ds1", 2));  // per data source
  CHECK(a.take_backend("other", "ds0", 2));
  a.give_back("app", "ds0");
  CHECK(a.backends_of("app", "ds0") == 1);
  CHECK(a.take_backend("app", "ds0", 2));
  CHECK(a.take_backend("app", "ds0", 0));  // 0: unlimited
}

TEST_CASE("refused arrivals leave nothing behind", "[admission]") {
  admission a;
  admission_limits l{0, 1, 0, 300s};
  REQUIRE(a.arrive("10.0.0.1", l) == verdict::ok);
  for (int i = 0; i < 1000; ++i) CHECK(a.arrive("10.1.0." + std::to_string(i), l) == verdict::too_many);
  a.leave("10.0.0.1", "");
  CHECK(a.unauthenticated() == 0);
  CHECK(a.connections_from("10.1.0.5") == 0);
}
