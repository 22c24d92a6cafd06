#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "radarhub/common/host_port.hpp"
#include "radarhub/common/log.hpp"
#include "radarhub/service/command_line.hpp"

namespace radarhub::ingest {

using common::HostPort;
using common::ParseHostPort;

// Every setting of radarhub-ingest (operations.md, protocol.md). Plain data: the server classes
// take this, never the flag parser.
struct IngestConfig : service::ServiceSettings {
  HostPort node_listen{"0.0.0.0", 30050};
  HostPort grpc_listen{"0.0.0.0", 50051};
  std::optional<HostPort> metrics_listen = HostPort{"0.0.0.0", 9105};
  int io_threads = 1;
  size_t max_line_bytes = 1 << 20;
  size_t max_detections = 10000;
  // Longer than the 10 s after which quiet nodes send their first heartbeat (protocol.md).
  std::chrono::milliseconds auth_timeout{30000};
  std::chrono::milliseconds idle_timeout{30000};
  size_t max_connections = 10000;
  // Connections from one address that have not sent their hello yet: a flood from one host cannot
  // hold every --max-connections slot for --auth-timeout.
  size_t max_pending_per_address = 256;
  // Nodes the ingest registers (tokens-file nodes first): each costs a registry entry, a replay
  // ring and metric series, so ids presented with the shared token cannot grow them unbounded.
  size_t max_nodes = 10000;
  // A node disconnected this long is forgotten (0: never): registry entry, replay ring, metric
  // series. Tokens-file nodes stay listed.
  std::chrono::milliseconds forget_after{3600 * 1000};
  // Unfinished lines of all connections together (see ConnectionSettings::line_memory).
  size_t line_memory = size_t{256} << 20;
  bool tcp_nodelay = true;
  std::string tokens_file;
  std::string token;  // secret: never logged
  bool auto_provision = true;
  bool allow_unauthenticated = false;
  size_t replay_frames = 4096;
  // All nodes' replay rings together: with 10,000 nodes, 4096 frames each would be ~24 GB.
  size_t replay_memory = size_t{256} << 20;
  size_t subscriber_queue = 8192;
  // Frames queued for all Subscribe streams together; while spent, a stream over an equal share
  // loses its oldest frames.
  size_t subscriber_memory = size_t{256} << 20;
  size_t max_batch = 256;
  size_t max_subscribers = 1000;
  // radarhub.v1.IngestAdmin's bearer token (unset: the admin API refuses every call).
  std::string admin_token;  // secret: never logged
  std::string admin_token_file;
};

// Parses flags with RADARHUB_* environment fallbacks (flag > env > default). Returns nullopt after
// printing --help (exit 0) or one line naming the bad setting (exit 2); `exit_code` says which.
std::optional<IngestConfig> ParseIngestCommandLine(int argc, char** argv, int& exit_code);

}  // namespace radarhub::ingest
