#include "scenario_export.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "radarhub/protocol/node_id.hpp"
#include "radarhub/simulation/scenario.hpp"

namespace radarhub::tools {
namespace {

bool Open(const std::string& path, std::ofstream& out) {
  out.open(path, std::ios::binary | std::ios::trunc);
  if (out) return true;
  std::cerr << "radarhub scenario: cannot write '" << path << "': " << std::strerror(errno) << "\n";
  return false;
}

}  // namespace

int RunScenarioExport(const ScenarioExportSettings& settings) {
  if (settings.node_ids.empty()) {
    std::cerr << "radarhub scenario: no node id given\n";
    return 2;
  }
  for (const auto& id : settings.node_ids) {
    if (!protocol::IsValidNodeId(id)) {
      std::cerr << "radarhub scenario: invalid node id '" << id
                << "': 1-64 characters of [A-Za-z0-9._-]\n";
      return 2;
    }
  }
  std::string error;
  auto scenario = simulation::LoadScenario(settings.scenario, settings.seed.value_or(1), error);
  if (!scenario) {
    std::cerr << "radarhub scenario: " << error << "\n";
    return 2;
  }
  if (settings.seed) scenario->seed = *settings.seed;

  std::ofstream out, truth;
  if (!Open(settings.out_path, out)) return 1;
  if (!settings.truth_path.empty() && !Open(settings.truth_path, truth)) return 1;

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<simulation::ScenarioRunner>> runners;
  for (size_t i = 0; i < settings.node_ids.size(); ++i) {
    simulation::Scenario copy = *scenario;
    copy.seed += i;
    runners.push_back(std::make_unique<simulation::ScenarioRunner>(std::move(copy)));
  }
  uint64_t frames = 0, detections = 0;
  simulation::SimFrame frame;
  // Every node has the same frame times: one frame of each in turn is timestamp order.
  for (bool more = true; more;) {
    for (size_t i = 0; i < runners.size(); ++i) {
      more = runners[i]->Next(frame);
      if (!more) break;
      const std::string& id = settings.node_ids[i];
      out << simulation::ToNodeLine(frame.frame, id, settings.token) << '\n';
      if (truth.is_open()) truth << simulation::ToTruthLine(frame, id) << '\n';
      ++frames;
      detections += frame.frame.detections.size();
    }
  }
  out.close();
  if (truth.is_open()) truth.close();
  if (!out || (!settings.truth_path.empty() && !truth)) {
    std::cerr << "radarhub scenario: write failed: " << std::strerror(errno) << "\n";
    return 1;
  }
  rapidjson::StringBuffer summary;
  rapidjson::Writer<rapidjson::StringBuffer> w(summary);
  w.StartObject();
  w.Key("scenario");
  w.String(scenario->name.c_str());
  w.Key("seed");
  w.Uint64(scenario->seed);
  w.Key("nodes");
  w.Uint64(settings.node_ids.size());
  w.Key("frames");
  w.Uint64(frames);
  w.Key("detections");
  w.Uint64(detections);
  w.Key("aircraft");
  w.Uint64(scenario->aircraft.size());
  w.Key("duration_s");
  w.Double(scenario->duration_s);
  w.SetMaxDecimalPlaces(3);
  w.Key("seconds");
  w.Double(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  w.EndObject();
  std::cout << summary.GetString() << std::endl;
  return 0;
}

}  // namespace radarhub::tools
