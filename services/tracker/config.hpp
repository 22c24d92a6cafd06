#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "radarhub/common/host_port.hpp"
#include "radarhub/common/log.hpp"
#include "radarhub/rpc/credentials.hpp"
#include "radarhub/service/command_line.hpp"
#include "tracking_stage.hpp"

namespace radarhub::tracker {

using common::HostPort;
using common::ParseHostPort;

// One entry of --ingest: a fixed endpoint, or a DNS name standing for every address it resolves
// to (`dns:///name:port`, e.g. a Kubernetes headless Service).
struct IngestTarget {
  HostPort address;
  bool resolve_all = false;
};

// Every setting of radarhub-tracker (operations.md, api.md). Plain data.
struct TrackerConfig : service::ServiceSettings {  // serving the Tracker API
  std::vector<IngestTarget> ingest{{HostPort{"127.0.0.1", 50051}, false}};
  HostPort grpc_listen{"0.0.0.0", 50061};
  std::optional<HostPort> metrics_listen = HostPort{"0.0.0.0", 9106};
  size_t queue_size = 2000;
  size_t max_nodes = 100;
  // Auto-provisioned nodes unhealthy this long are no longer tracked (0: never), so ids that
  // come and go cannot fill --max-nodes for good.
  std::chrono::milliseconds forget_after{3600 * 1000};
  std::vector<std::string> nodes;  // empty: auto-provision
  uint32_t shard_index = 0;
  uint32_t shard_count = 1;
  std::chrono::milliseconds resolve_interval{10000};
  // Reaching the ingest: its API token (default: the same as --api-token) and TLS.
  std::string ingest_api_token;  // secret: never logged
  std::string ingest_api_token_file;
  rpc::ClientTlsSettings ingest_tls{.flags = "--ingest-tls"};
  size_t worker_threads = 0;  // --worker-threads; 0: the number of cores
  TrackingSettings tracking;  // --track-*, --transmitter-hz, --tracks-dir
  std::string replay;         // --replay FILE: track a recording offline, serve nothing
};

// Parses flags with RADARHUB_* environment fallbacks (flag > env > default). Returns nullopt after
// printing --help (exit 0) or one line naming the bad setting (exit 2); `exit_code` says which.
std::optional<TrackerConfig> ParseTrackerCommandLine(int argc, char** argv, int& exit_code);

// "a:50051,b:50051" or "dns:///name:port" (entries may be mixed); nullopt if any is malformed.
std::optional<std::vector<IngestTarget>> ParseIngestTargets(const std::string& text);

}  // namespace radarhub::tracker
