#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>

#include "config.hpp"

namespace radarhub::tracker {

struct ReplayReport {
  uint64_t lines = 0;
  uint64_t frames = 0;                       // tracked
  uint64_t heartbeats = 0;                   // skipped
  uint64_t out_of_order = 0;                 // frames not after their node's last one: not tracked
  std::map<std::string, uint64_t> rejected;  // reason -> lines (protocol.md's reasons)
  uint64_t nodes = 0;
  uint64_t tracks_confirmed = 0;  // tracks that were confirmed at some point
  uint64_t track_lines = 0;       // lines written to --tracks-dir
  uint64_t track_lines_lost = 0;
  double seconds = 0;
};

// --replay: the trackers of the service, run offline on a file of node-protocol lines (one node
// or many, interleaved), as fast as they go, writing the same track files. Opens no port.
// Lines are validated as the ingest validates them (tokens are not checked).
ReplayReport Replay(std::istream& in, const TrackerConfig& config);
// "replay: ..." - the one-line summary.
std::string Summary(const ReplayReport& report, const TrackerConfig& config);

}  // namespace radarhub::tracker
