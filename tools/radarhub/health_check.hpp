#pragma once

#include <chrono>
#include <string>

#include "grpc_client.hpp"

namespace radarhub::tools {

// `radarhub health`: grpc.health.v1 Check. Prints the status (as one JSON object with `json`);
// exit 0 only when SERVING, else 1 (a container health check).
int RunHealthCheck(const ClientSettings& client, const std::string& service,
                   std::chrono::milliseconds timeout, bool json);

}  // namespace radarhub::tools
