#include "router/key_generator.hpp"

#include <algorithm>
#include <bit>
#include <chrono>

namespace shardwire::router {

key_generator::key_generator(kind type, std::string column, std::string gene_column, int worker_id, int modulus,
                             clock now)
    : type_(type),
      column_(std::move(column)),
      gene_column_(std::move(gene_column)),
      worker_id_(worker_id & max_worker_id),
      gene_bits_(type == kind::gene ? std::countr_zero(static_cast<unsigned>(std::clamp(modulus, 2, max_gene_modulus)))
                                    : 0),
      sequence_bits_(snowflake_sequence_bits - gene_bits_),
      clock_(std::move(now)) {}

std::int64_t key_generator::now_ms() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t key_generator::next_id(std::int64_t gene_value) {
  // A clock before the epoch counts as the epoch itself.
  const auto since_epoch = static_cast<std::uint64_t>(std::max<std::int64_t>(now_ms() - snowflake_epoch_ms, 0));
  const std::uint64_t floor = since_epoch << sequence_bits_;
  std::uint64_t old = state_.load(std::memory_order_relaxed);
  std::uint64_t next = 0;
  do {
    next = std::max(old + 1, floor);
  } while (!state_.compare_exchange_weak(old, next, std::memory_order_relaxed, std::memory_order_relaxed));

  const std::uint64_t ms = next >> sequence_bits_;
  const std::uint64_t sequence = next & ((std::uint64_t{1} << sequence_bits_) - 1);
  std::uint64_t id = (ms << (snowflake_worker_bits + sequence_bits_)) |
                     (static_cast<std::uint64_t>(worker_id_) << sequence_bits_) | sequence;
  if (type_ == kind::gene) {
    const std::uint64_t mask = (std::uint64_t{1} << gene_bits_) - 1;
    // Two's complement: the low k bits of a negative value are its value mod 2^k.
    id = (id << gene_bits_) | (static_cast<std::uint64_t>(gene_value) & mask);
  }
  // Past 2093 the timestamp would reach the sign bit; keep ids positive.
  return static_cast<std::int64_t>(id & (~std::uint64_t{0} >> 1));
}

}  // namespace shardwire::router
