#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "radarhub/tracking/types.hpp"

namespace radarhub::simulation {

// Positions in km in a local east-north-up frame; the receiver is at the origin.
struct Vec3 {
  double x = 0, y = 0, z = 0;
};

// A passive radar: an FM transmitter lit by opportunity, ~30 km from the receiver.
struct Geometry {
  Vec3 receiver{0, 0, 0.05};
  Vec3 transmitter{30, 0, 0.3};
  double frequency_hz = 100e6;  // the transmitter's carrier: wavelength = c / frequency
};

// A change of flight from `start_s` for `duration_s` (scenario time, seconds): a coordinated
// turn (deg/s, positive = left), a change of ground speed (m/s^2) and a climb rate (m/s).
struct Maneuver {
  double start_s = 0;
  double duration_s = 0;
  double turn_rate_deg_s = 0;
  double acceleration_mps2 = 0;
  double climb_mps = 0;
};

struct Aircraft {
  std::string id;     // the ground truth's name, e.g. "ac07"
  std::string hex;    // ICAO address; detections carry it only when `adsb`
  bool adsb = false;  // broadcasts ADS-B that the node matches to its detections
  Vec3 position_km;   // at appear_s
  double speed_mps = 220;
  double heading_deg = 0;  // 0 = north (+y), 90 = east (+x)
  double climb_mps = 0;
  double rcs_db = 0;  // added to the SNR of every detection
  std::vector<Maneuver> maneuvers;
  double appear_s = 0;
  double disappear_s = 1e18;
};

// What the node's radar does to the truth (issue 11): detection probability, a zero-Doppler
// notch, SNR from the bistatic radar equation, SNR-dependent Gaussian noise and Poisson clutter
// uniform over the surveillance area.
struct SensorSettings {
  double pd = 0.9;                // for a detection above min_snr_db
  double notch_hz = 1.0;          // |Doppler| below this is never detected
  double clutter_per_frame = 20;  // Poisson mean
  double delay_max_km = 150;      // surveillance area: delay 0 .. delay_max
  double doppler_max_hz = 200;    //                    Doppler -max .. +max
  double snr_ref_db = 12;         // the SNR at which the noise below applies
  double sigma_delay_km = 0.4;    // at snr_ref_db; scales with 10^((snr_ref - snr) / 20)
  double sigma_doppler_hz = 1.0;  // likewise
  double snr_at_100km_db = 18;    // SNR of a 0 dB target at Rtx * Rrx = (100 km)^2
  double min_snr_db = 5;          // detection threshold: weaker targets are not reported
  // Mean clutter SNR: min_snr_db + an exponential excess of mean (this - min_snr_db), 1 dB when
  // that is not positive.
  double clutter_snr_mean_db = 6;
};

struct Scenario {
  std::string name;
  Geometry geometry;
  SensorSettings sensor;
  std::vector<Aircraft> aircraft;
  double duration_s = 600;
  double frame_interval_s = 1.0;
  int64_t start_ms = 1767225600000;  // 2026-01-01T00:00:00Z
  uint64_t seed = 1;
};

// The built-in scenarios of the quality benchmark (issue 11): "busy" (a: 10 aircraft in view,
// Pd 0.9, 20 clutter per frame, 10 min), "crossing" (b: pairs that cross in delay-Doppler),
// "dense" (c: 100 aircraft, 200 clutter per frame), "sparse" (d: Pd 0.7), and "demo" (a few
// aircraft for the live demo). Aircraft are drawn from `seed` so that the stated number is in view
// (5..145 km, |Doppler| <= 190 Hz) at every frame. In "crossing" the aircraft are pairs with
// consecutive ids (ac01 and ac02, ac03 and ac04, ...) that meet at 60, 170, 280, 390 and 500 s.
// "demo" (an hour) keeps 6 in view by replacing each aircraft after 300..600 s with a new one.
std::vector<std::string> BuiltinScenarioNames();
std::optional<Scenario> BuiltinScenario(std::string_view name, uint64_t seed = 1);
// A scenario from a JSON file's text (same field names as these structs; README documents it).
std::optional<Scenario> ParseScenario(std::string_view json, std::string& error);
// NAME of a built-in scenario, or a path to a JSON file (whose own "seed" wins over `seed`).
std::optional<Scenario> LoadScenario(const std::string& name_or_path, uint64_t seed,
                                     std::string& error);

// Where one aircraft truly is in the node's measurement space at one frame.
struct TruthPoint {
  std::string aircraft;  // Aircraft::id
  std::string hex;
  double delay_km = 0;  // bistatic range: |tx - p| + |p - rx| - |tx - rx|
  double delay_rate_km_s = 0;
  double doppler_hz = 0;  // -delay_rate / wavelength
  double doppler_rate_hz_s = 0;
  double snr_db = 0;
  bool detected = false;  // a detection of it is in this frame
};

struct SimFrame {
  int64_t timestamp_ms = 0;
  tracking::Frame frame;          // what the node reports: targets and clutter, shuffled
  std::vector<TruthPoint> truth;  // every aircraft in view (0 <= delay <= delay_max)
};

// Plays a scenario frame by frame, deterministically for its seed. Pure: no I/O, no clock.
class ScenarioRunner final {
 public:
  explicit ScenarioRunner(Scenario scenario);
  ~ScenarioRunner();
  // The next frame; false after the last one (duration_s / frame_interval_s frames).
  bool Next(SimFrame& out);
  const Scenario& scenario() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// One line of the node protocol (protocol.md) for `frame`, without the newline. ADS-B-matched
// detections carry {"hex": ..., "flight": ...}; the others null.
std::string ToNodeLine(const tracking::Frame& frame, std::string_view node_id,
                       std::string_view token);
// One JSON line of ground truth for a frame: {"timestamp":..,"node_id":..,"truth":[{...}]}.
std::string ToTruthLine(const SimFrame& frame, std::string_view node_id);

}  // namespace radarhub::simulation
