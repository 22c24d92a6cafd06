#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "grpc_client.hpp"

namespace radarhub::tools {

class StopSignals;

struct TracksSettings {
  ClientSettings client{"127.0.0.1:50061"};  // the tracker
  std::vector<std::string> nodes;            // empty: every tracked node
  std::vector<std::string> statuses;         // empty: the RPC's default
  bool follow = false;                       // StreamTracks instead of ListTracks
  bool json = false;                         // JSON lines instead of a table
  uint64_t max_updates = 0;                  // with follow: stop after this many (0: no limit)
};

// `radarhub tracks`: a tracker's tracks now (ListTracks), or each node's tracks after every frame
// (StreamTracks, --follow). Returns 0 when done or stopped by a signal, 1 when the call fails, 2
// on a bad setting.
int RunTracks(const TracksSettings& settings, StopSignals& stop);

}  // namespace radarhub::tools
