#pragma once

#include <string_view>

namespace radarhub::protocol {

inline constexpr size_t kMaxNodeIdLength = 64;

// 1-64 characters of [A-Za-z0-9._-] (protocol.md).
bool IsValidNodeId(std::string_view id);

}  // namespace radarhub::protocol
