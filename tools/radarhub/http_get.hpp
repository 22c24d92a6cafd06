#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace radarhub::tools {

// A plain HTTP/1.0 GET (enough for a Prometheus /metrics page); the body, or nullopt on error.
std::optional<std::string> HttpGet(const std::string& host, uint16_t port, const std::string& path,
                                   std::chrono::milliseconds timeout);

}  // namespace radarhub::tools
