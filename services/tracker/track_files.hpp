#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "radarhub/tracking/tracker.hpp"

namespace radarhub::tracker {

// A node's track files (--tracks-dir): DIR/<node_id>/<YYYY-MM-DD>.jsonl by the UTC day of each
// frame, one line per confirmed or coasting track per processed frame and one per deleted track
// that had been confirmed. Lines are buffered and appended at most a second apart, with the file
// opened only for the write: a crash loses at most the last second, and 10,000 nodes hold no
// file descriptors. Not thread-safe: one per node, on its worker.
class TrackFileWriter final {
 public:
  TrackFileWriter(std::filesystem::path dir, std::string node_id);
  ~TrackFileWriter();  // writes what is buffered

  void Add(const tracking::FrameResult& result);
  // Appends what is buffered when a second has passed since the last write (or `force`).
  void Flush(std::chrono::steady_clock::time_point now, bool force = false);

  bool pending() const { return !pending_.empty(); }  // lines buffered, not yet written
  uint64_t lines_written() const { return lines_written_; }
  uint64_t lines_lost() const { return lines_lost_; }  // write errors (logged, rate-limited)
  // The node's folder: its id, with "." and ".." escaped (they are valid node ids).
  static std::string FolderName(const std::string& node_id);

 private:
  void AddLine(const tracking::TrackState& state);

  const std::filesystem::path folder_;
  const std::string node_id_;
  bool folder_made_ = false;
  struct Day {
    std::string lines;
    uint64_t count = 0;
  };
  std::map<std::string, Day> pending_;  // by UTC day
  uint64_t lines_written_ = 0, lines_lost_ = 0;
  std::chrono::steady_clock::time_point last_write_{};
  std::chrono::steady_clock::time_point last_warn_{};
};

}  // namespace radarhub::tracker
