#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "radarhub/simulation/scenario.hpp"

namespace radarhub::tools {

struct SimulatorSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 30050;
  int nodes = 3;
  std::string node_prefix = "sim";
  std::vector<std::string> node_ids;  // if given: exactly these nodes (overrides nodes, prefix)
  double rate_hz = 10;                // frames per second per node; 0: heartbeats only
  bool max_rate = false;              // as fast as the socket takes them
  int detections = 10;
  double adsb_fraction = 0.2;
  std::string token;
  std::chrono::milliseconds duration{0};  // 0: until stopped
  uint64_t frames_per_node = 0;           // 0: unbounded
  int threads = 1;
  uint64_t seed = 1;
  // If set, node i plays this scenario with seed + i instead of random detections: a frame per
  // frame interval, stamped with the wall clock (start_ms moved to the start of Run). rate_hz,
  // max_rate, detections and adsb_fraction do not apply; the run also ends with the scenario.
  std::optional<simulation::Scenario> scenario;
};

struct SimulatorReport {
  uint64_t frames_sent = 0;  // frames whose bytes were fully written to a socket
  uint64_t heartbeats_sent = 0;
  uint64_t connects = 0;
  uint64_t connect_failures = 0;
  double seconds = 0;
};

// Simulated radar nodes, many per process, speaking protocol.md like a real node: a heartbeat
// hello, frames at a fixed rate (or as fast as possible), heartbeats every 5 s when no frame was
// sent, reconnection with backoff 1, 2, 4, 8, 16, 30 s plus jitter. Runs until the duration or
// frame count is reached, or Stop() (thread-safe) is called.
class NodeSimulator final {
 public:
  // `truth` (optional, must outlive Run): with a scenario, the ground truth of every frame whose
  // bytes were written to a socket, one line each (simulation::ToTruthLine); the sending threads
  // write it under a lock of the simulator's.
  explicit NodeSimulator(SimulatorSettings settings, std::ostream* truth = nullptr);
  ~NodeSimulator();
  SimulatorReport Run();
  void Stop();

 private:
  class Impl;
  Impl* impl_;
};

}  // namespace radarhub::tools
