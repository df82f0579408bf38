// Distributed primary keys for INSERTs that omit the generated column.
//
// snowflake: 63 bits, always positive, strictly increasing per generator:
//   bit 63 (sign) 0 | 41 bits ms since 2024-01-01T00:00:00Z | 10 bits worker id | 12 bits sequence
// gene: the same id with room for a gene made at its bottom, so id mod modulus equals
// the gene column's value mod modulus (modulus = 2^k, 2 <= modulus <= 4096):
//   bit 63 0 | 41 bits ms | 10 bits worker id | 12-k bits sequence | k bits (gene mod modulus)
// i.e. a snowflake id with a (12-k)-bit sequence, shifted left by k, OR'd with the gene.
//
// Clock going backwards, or more ids than the sequence holds in one millisecond: the
// generator borrows, never waits. Its state is one atomic (ms << sequence bits | sequence);
// each id takes max(state + 1, now << sequence bits), so a full sequence carries into
// the next millisecond and a clock step back keeps counting from the last timestamp.
// The embedded time can thus run ahead of the wall clock for a while; ids stay unique
// and increasing. Ids from different proxies are unique only if their worker ids differ.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace shardwire::router {

// 2024-01-01T00:00:00Z in Unix milliseconds; 41 bits of ms from it last until 2093-09-06.
inline constexpr std::int64_t snowflake_epoch_ms = 1704067200000;
inline constexpr int snowflake_worker_bits = 10;
inline constexpr int snowflake_sequence_bits = 12;
inline constexpr int max_worker_id = (1 << snowflake_worker_bits) - 1;
inline constexpr int max_gene_modulus = 1 << snowflake_sequence_bits;

class key_generator {
 public:
  enum class kind { snowflake, gene };
  using clock = std::function<std::int64_t()>;  // Unix time in ms; empty: the system clock

  // Preconditions (checked by the config parser): 0 <= worker_id <= max_worker_id; for
  // gene, modulus is a power of two in 2..max_gene_modulus.
  key_generator(kind type, std::string column, std::string gene_column, int worker_id, int modulus, clock now = {});
  key_generator(const key_generator&) = delete;
  key_generator& operator=(const key_generator&) = delete;

  kind type() const { return type_; }
  const std::string& column() const { return column_; }            // the generated column
  const std::string& gene_column() const { return gene_column_; }  // gene: whose value the id carries
  int worker_id() const { return worker_id_; }
  int modulus() const { return 1 << gene_bits_; }  // 1 for snowflake
  int gene_bits() const { return gene_bits_; }

  // Thread-safe, lock-free. On a gene generator, next_id() carries gene 0: give the
  // gene column's value with next_id(gene_value) instead.
  std::int64_t next_id() { return next_id(0); }
  // gene: the id's low bits are gene_value mod modulus (mathematical, so negative gene
  // values agree with the mod/gene sharding algorithms); snowflake: gene_value is ignored.
  std::int64_t next_id(std::int64_t gene_value);

 private:
  std::int64_t now_ms() const;

  kind type_;
  std::string column_;
  std::string gene_column_;
  int worker_id_;
  int gene_bits_;      // k; 0 for snowflake
  int sequence_bits_;  // 12 - k
  clock clock_;
  std::atomic<std::uint64_t> state_{0};  // (ms since epoch << sequence_bits_) | sequence
};

}  // namespace shardwire::router
