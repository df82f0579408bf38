// proxy/net/read_buffer: memory follows the bytes that arrived, not announced lengths.
#include <catch2/catch.hpp>

#include "proxy/net/io.hpp"

using shardwire::proxy::read_buffer;

TEST_CASE("a buffer grows with the bytes it holds, not with what a header announces", "[read_buffer]") {
  read_buffer buf(16 * 1024);
  // A 5-byte header that announces 16 MiB: room for at most 64 KiB more.
  auto room = buf.prepare(16u << 20);
  CHECK(buf.capacity() <= 2 * read_buffer::growth_floor);
  buf.commit(5);
  for (int i = 0; i < 100; ++i) room = buf.prepare(16u << 20);  // asking again, nothing arriving
  CHECK(room.size() >= 4096);
  CHECK(buf.capacity() <= 2 * (read_buffer::growth_floor + 5));
  // As bytes keep arriving the buffer keeps up (at most doubling what is held).
  std::size_t held = 5;
  while (held < (4u << 20)) {
    auto r = buf.prepare(16u << 20);
    buf.commit(r.size());
    held += r.size();
    CHECK(buf.capacity() <= 2 * (held + read_buffer::growth_floor));
  }
  CHECK(buf.readable().size() == held);
}

TEST_CASE("a small request is granted whole", "[read_buffer]") {
  read_buffer buf(16);
  auto r = buf.prepare(4096);
  CHECK(r.size() >= 4096);
}
