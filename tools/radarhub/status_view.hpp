#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "grpc_client.hpp"

namespace radarhub::tools {

class StopSignals;

struct NodeRow {
  bool connected = false;
  double accepted = 0, rejected = 0, deduplicated = 0, bytes = 0;
};

// Per-node rows read from an ingest's Prometheus page.
std::map<std::string, NodeRow> ParseIngestMetrics(const std::string& page);

struct StatusSettings {
  std::string metrics = "127.0.0.1:9105";  // the ingest's /metrics HOST:PORT
  ClientSettings tracker{""};              // target empty: no tracker columns
  std::chrono::milliseconds interval{1000};
  int iterations = 0;  // 0: until a signal
  bool json = false;   // one JSON object per refresh instead of the table
};

// `radarhub status`: a per-node table from the ingest's /metrics every `interval`; with a tracker,
// each node's health as that tracker sees it (Tracker/ListNodes) too. Returns 0 when stopped by a
// signal or after `iterations` refreshes the last of which reached the ingest (and the tracker,
// when given), 1 when it did not, 2 on a bad setting.
int RunStatusView(const StatusSettings& settings, StopSignals& stop);

}  // namespace radarhub::tools
