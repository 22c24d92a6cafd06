#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace radarhub::common {

// Parses "250ms", "5s", "2m", "1h", "1.5s"; a bare number means seconds. nullopt if malformed or
// negative.
std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text);

}  // namespace radarhub::common
