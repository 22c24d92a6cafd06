// Tracking quality and speed on simulated scenarios (issue 11): runs the tracker of
// libs/tracking over each built-in scenario and seed, in-process on one core, and reports OSPA,
// coverage, id switches, false confirmed tracks and the time per frame. Optionally writes the
// tracks, truth and detections of one run as CSV for bench/quality/plot_tracks.py.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "radarhub/simulation/scenario.hpp"
#include "radarhub/tracking/tracker.hpp"
#include "track_quality.hpp"

namespace {

using radarhub::bench::QualityMeter;
namespace sim = radarhub::simulation;
namespace trk = radarhub::tracking;

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

struct Run {
  QualityMeter::Report quality;
  double duration_s = 0;
  double mean_us = 0, p99_us = 0, max_us = 0;
  double detections_per_frame = 0;
};

Run RunScenario(const sim::Scenario& scenario, trk::TrackerSettings settings,
                const std::string& csv_dir, bool verbose) {
  settings.transmitter_hz = scenario.geometry.frequency_hz;
  trk::MultiTargetTracker tracker(settings);
  sim::ScenarioRunner runner(scenario);
  QualityMeter meter;
  meter.verbose = verbose;
  std::vector<double> us;
  uint64_t detections = 0;
  std::ofstream tracks_csv, truth_csv, detections_csv;
  if (!csv_dir.empty()) {
    tracks_csv.open(csv_dir + "/tracks.csv");
    truth_csv.open(csv_dir + "/truth.csv");
    detections_csv.open(csv_dir + "/detections.csv");
    tracks_csv << "t,track_id,status,delay,doppler,adsb_hex\n";
    truth_csv << "t,aircraft,delay,doppler,detected\n";
    detections_csv << "t,delay,doppler,snr\n";
  }
  sim::SimFrame frame;
  while (runner.Next(frame)) {
    const auto start = std::chrono::steady_clock::now();
    const trk::FrameResult& result = tracker.Process(frame.frame);
    const auto end = std::chrono::steady_clock::now();
    us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
    detections += frame.frame.detections.size();
    meter.Add(frame.truth, result.tracks);
    if (!csv_dir.empty()) {
      const double t = static_cast<double>(frame.timestamp_ms - scenario.start_ms) / 1000.0;
      for (const auto& tr : result.tracks) {
        if (tr.status == trk::TrackStatus::kTentative) continue;
        tracks_csv << t << ',' << tr.track_id << ',' << trk::ToString(tr.status) << ','
                   << tr.delay_km << ',' << tr.doppler_hz << ',' << tr.adsb_hex << '\n';
      }
      for (const auto& a : frame.truth) {
        truth_csv << t << ',' << a.aircraft << ',' << a.delay_km << ',' << a.doppler_hz << ','
                  << (a.detected ? 1 : 0) << '\n';
      }
      for (const auto& d : frame.frame.detections) {
        detections_csv << t << ',' << d.delay_km << ',' << d.doppler_hz << ',' << d.snr_db << '\n';
      }
    }
  }
  Run run;
  run.quality = meter.Finish();
  run.duration_s = static_cast<double>(run.quality.frames) * scenario.frame_interval_s;
  if (!us.empty()) {
    double sum = 0;
    for (double v : us) sum += v;
    run.mean_us = sum / static_cast<double>(us.size());
    std::sort(us.begin(), us.end());
    run.p99_us = us[us.size() * 99 / 100];
    run.max_us = us.back();
    run.detections_per_frame = static_cast<double>(detections) / static_cast<double>(us.size());
  }
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tracking quality and speed on simulated scenarios"};
  std::string scenarios = "busy,crossing,dense,sparse", seeds = "1,2,3", csv_dir,
              csv_scenario = "busy";
  app.add_option("--scenarios", scenarios, "built-in names or JSON files, comma-separated");
  app.add_option("--seeds", seeds, "seeds, comma-separated");
  app.add_option("--csv-dir", csv_dir, "write tracks.csv, truth.csv, detections.csv here");
  app.add_option("--csv-scenario", csv_scenario, "the scenario (first seed) the CSV shows");
  bool verbose = false;
  app.add_flag("--verbose", verbose, "print every id switch");
  trk::TrackerSettings settings;  // the defaults, but for what these change (sensitivity runs)
  app.add_option("--jerk", settings.jerk_hz_s2, "TrackerSettings::jerk_hz_s2");
  app.add_option("--gate", settings.gate, "TrackerSettings::gate");
  app.add_option("--manoeuvre-jerk", settings.manoeuvre_jerk_hz_s2,
                 "TrackerSettings::manoeuvre_jerk_hz_s2");
  app.add_option("--quiet-mean", settings.quiet_mean_s, "TrackerSettings::quiet_mean_s");
  app.add_option("--confirm-score", settings.confirm_score, "TrackerSettings::confirm_score");
  app.add_option("--pd", settings.pd, "TrackerSettings::pd (initial)");
  CLI11_PARSE(app, argc, argv);

  std::printf("%-9s %4s %6s %6s %7s %8s %11s %8s %10s %8s %8s %8s\n", "scenario", "seed", "dets/f",
              "OSPA", "cover%", "aircraft", "idsw/ac/10m", "raw idsw", "false/hour", "us/frame",
              "p99 us", "max us");
  bool first_csv = true;
  for (const std::string& name : Split(scenarios)) {
    // Pooled over the seeds: every aircraft-minute and every frame of them counts once.
    struct {
      double frames = 0, ospa = 0, covered = 0, aircraft_10min = 0, switches = 0, raw = 0;
      double hours = 0, false_tracks = 0, us = 0, worst_switches = 0;
    } all;
    for (const std::string& seed_text : Split(seeds)) {
      std::string error;
      const auto scenario = sim::LoadScenario(name, std::stoull(seed_text), error);
      if (!scenario) {
        std::cerr << "tracking_quality_bench: " << name << ": " << error << "\n";
        return 2;
      }
      const bool csv = !csv_dir.empty() && name == csv_scenario && first_csv;
      if (csv) first_csv = false;
      const Run run = RunScenario(*scenario, settings, csv ? csv_dir : "", verbose);
      const auto& q = run.quality;
      const double switches = q.aircraft == 0
                                  ? 0
                                  : static_cast<double>(q.id_switches) /
                                        static_cast<double>(q.aircraft) / (run.duration_s / 600.0);
      const double false_per_hour = static_cast<double>(q.false_tracks) / (run.duration_s / 3600.0);
      std::printf("%-9s %4s %6.0f %6.3f %7.2f %8llu %11.3f %8llu %10.1f %8.1f %8.1f %8.1f\n",
                  name.c_str(), seed_text.c_str(), run.detections_per_frame, q.ospa,
                  100.0 * q.coverage, static_cast<unsigned long long>(q.aircraft), switches,
                  static_cast<unsigned long long>(q.raw_switches), false_per_hour, run.mean_us,
                  run.p99_us, run.max_us);
      std::fflush(stdout);
      const double frames = static_cast<double>(q.frames);
      all.frames += frames;
      all.ospa += q.ospa * frames;
      all.covered += q.coverage * frames;  // every scenario keeps its aircraft count in view
      all.aircraft_10min += static_cast<double>(q.aircraft) * run.duration_s / 600.0;
      all.switches += static_cast<double>(q.id_switches);
      all.raw += static_cast<double>(q.raw_switches);
      all.hours += run.duration_s / 3600.0;
      all.false_tracks += static_cast<double>(q.false_tracks);
      all.us += run.mean_us * frames;
      all.worst_switches = std::max(all.worst_switches, switches);
    }
    if (all.frames == 0) continue;
    std::printf(
        "%-9s %4s %6s %6.3f %7.2f %8s %11.3f %8.0f %10.1f %8.1f   (all seeds; worst seed "
        "%.2f id switches)\n",
        name.c_str(), "all", "", all.ospa / all.frames, 100.0 * all.covered / all.frames, "",
        all.switches / all.aircraft_10min, all.raw, all.false_tracks / all.hours,
        all.us / all.frames, all.worst_switches);
    std::fflush(stdout);
  }
  return 0;
}
