#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace radarhub::tools {

struct ScenarioExportSettings {
  std::string scenario;          // a built-in name or a JSON file
  std::optional<uint64_t> seed;  // default: the file's seed, else 1
  std::vector<std::string> node_ids = {"radar1"};
  std::string token;
  std::string out_path;    // node-protocol lines: the input of `radarhub-tracker --replay`
  std::string truth_path;  // empty: no truth file
};

// `radarhub scenario`: plays a scenario as fast as it computes and writes its frames, one node
// protocol line each, and their ground truth (one JSON line per frame and node, with node_id).
// Node i plays the scenario with seed + i (the same aircraft, its own noise and clutter); their
// frames are interleaved by timestamp. Prints a one-line JSON summary to stdout. Returns the exit
// code: 0 done, 1 a file could not be written, 2 a bad setting (one line on stderr says which).
int RunScenarioExport(const ScenarioExportSettings& settings);

}  // namespace radarhub::tools
