#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "grpc_client.hpp"

namespace radarhub::tools {

class StopSignals;

struct WatchSettings {
  ClientSettings client;
  std::vector<std::string> nodes;  // empty: every node
  bool status_only = false;
  std::vector<std::string> resume;  // NODE:EPOCH:SEQUENCE
  uint64_t max_events = 0;          // stop after this many events (0: no limit)
};

// `radarhub watch`: Subscribe, each event printed to stdout as one JSON line (proto field names,
// as grpcurl shows them). Returns the exit code: 0 when stopped by a signal or max_events, 1 when
// the stream fails or ends, 2 on a bad setting.
int RunWatch(const WatchSettings& settings, StopSignals& stop);

}  // namespace radarhub::tools
