#include "protocol/errors.hpp"

#include <array>

namespace shardwire::protocol {

namespace {
constexpr std::array catalog{
#define SW_ENTRY(name, code, state, text) catalog_entry{code, state, text, #name},
    SHARDWIRE_ERRORS(SW_ENTRY)
#undef SW_ENTRY
};
}  // namespace

const catalog_entry& describe(errc e) { return catalog[static_cast<std::size_t>(e)]; }

}  // namespace shardwire::protocol
