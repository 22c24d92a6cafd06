#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace radarhub::common {

// operations.md addresses: HOST:PORT, IPv6 hosts in brackets.
struct HostPort {
  std::string host;
  uint16_t port = 0;
  std::string ToString() const;
};

// "HOST:PORT" or "[v6]:PORT"; nullopt if malformed.
std::optional<HostPort> ParseHostPort(const std::string& text);

// The environment variable behind a flag: "--max-line-bytes" -> "RADARHUB_MAX_LINE_BYTES".
std::string EnvName(const char* flag);

}  // namespace radarhub::common
