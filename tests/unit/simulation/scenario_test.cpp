#include "radarhub/simulation/scenario.hpp"

#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include "radarhub/protocol/parser.hpp"

namespace radarhub::simulation {
namespace {

constexpr double kC = 299792458.0;

double Distance(const Vec3& a, const Vec3& b) {
  return std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) +
                   (a.z - b.z) * (a.z - b.z));
}

// A scenario of our own: the given aircraft, no clutter, a flat 2D geometry.
Scenario Custom(std::vector<Aircraft> aircraft, double duration_s = 10, double interval_s = 1) {
  Scenario s;
  s.name = "custom";
  s.geometry.receiver = {0, 0, 0};
  s.geometry.transmitter = {30, 0, 0};
  s.sensor.clutter_per_frame = 0;
  s.aircraft = std::move(aircraft);
  s.duration_s = duration_s;
  s.frame_interval_s = interval_s;
  return s;
}

Aircraft Plane(Vec3 position, double speed_mps, double heading_deg) {
  Aircraft a;
  a.id = "ac01";
  a.hex = "abc123";
  a.position_km = position;
  a.speed_mps = speed_mps;
  a.heading_deg = heading_deg;
  return a;
}

std::vector<SimFrame> RunAll(Scenario s) {
  ScenarioRunner runner(std::move(s));
  std::vector<SimFrame> frames;
  SimFrame f;
  while (runner.Next(f)) frames.push_back(f);
  return frames;
}

const TruthPoint* Find(const SimFrame& f, const std::string& id) {
  for (const auto& t : f.truth) {
    if (t.aircraft == id) return &t;
  }
  return nullptr;
}

struct Moments {
  double mean = 0, sd = 0;
};
Moments Stats(const std::vector<double>& v) {
  Moments m;
  for (double x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  for (double x : v) m.sd += (x - m.mean) * (x - m.mean);
  m.sd = std::sqrt(m.sd / static_cast<double>(v.size() - 1));
  return m;
}

// --- Physics ------------------------------------------------------------------------------------

struct DelayCase {
  Vec3 position;
  double delay_km;
};

TEST(ScenarioPhysicsTest, BistaticRangeOfKnownPoints) {
  const DelayCase cases[] = {
      {{15, 0, 0}, 0},  // on the baseline
      {{0, 0, 0}, 0},   // at the receiver
      {{0, 40, 0}, 40 + 50 - 30},
      {{30, 40, 0}, 50 + 40 - 30},
      {{-10, 0, 0}, 40 + 10 - 30},  // behind the receiver, on the baseline's extension
      {{15, 20, 0}, 25 + 25 - 30},
  };
  for (const auto& c : cases) {
    const auto frames = RunAll(Custom({Plane(c.position, 0, 0)}, 1));
    ASSERT_EQ(frames.size(), 1u);
    ASSERT_EQ(frames[0].truth.size(), 1u);
    EXPECT_NEAR(frames[0].truth[0].delay_km, c.delay_km, 1e-9)
        << c.position.x << "," << c.position.y;
  }
}

struct DopplerCase {
  const char* what;
  double heading_deg;
  double sign;  // of the Doppler
};

TEST(ScenarioPhysicsTest, DopplerSignAndMagnitudeFollowTheRangeRate) {
  const DopplerCase cases[] = {
      {"north: receding from both", 0, -1},
      {"south: approaching both", 180, +1},
      {"north-east: receding", 45, -1},
  };
  const Vec3 p{0, 40, 5};
  const Geometry g = Custom({}).geometry;
  const double wavelength = kC / g.frequency_hz;
  for (const auto& c : cases) {
    const auto frames = RunAll(Custom({Plane(p, 200, c.heading_deg)}, 1));
    ASSERT_EQ(frames[0].truth.size(), 1u) << c.what;
    const TruthPoint& t = frames[0].truth[0];
    const double h = c.heading_deg * std::numbers::pi / 180;
    const Vec3 v{0.2 * std::sin(h), 0.2 * std::cos(h), 0};
    const auto radial = [&](const Vec3& site) {
      const double r = Distance(p, site);
      return (v.x * (p.x - site.x) + v.y * (p.y - site.y) + v.z * (p.z - site.z)) / r;
    };
    const double rate = radial(g.transmitter) + radial(g.receiver);
    EXPECT_NEAR(t.delay_rate_km_s, rate, 1e-9) << c.what;
    EXPECT_NEAR(t.doppler_hz, -rate * 1000 / wavelength, 1e-6) << c.what;
    EXPECT_GT(t.doppler_hz * c.sign, 10) << c.what;
  }
}

struct ManeuverCase {
  const char* what;
  Maneuver maneuver;
};

TEST(ScenarioPhysicsTest, RatesMatchFiniteDifferencesOverFrames) {
  const ManeuverCase cases[] = {
      {"straight", {}},
      {"left turn", {.start_s = 0, .duration_s = 1000, .turn_rate_deg_s = 2}},
      {"acceleration", {.start_s = 0, .duration_s = 1000, .acceleration_mps2 = 1.5}},
      {"climb", {.start_s = 0, .duration_s = 1000, .climb_mps = 12}},
  };
  for (const auto& c : cases) {
    Aircraft a = Plane({-20, 50, 6}, 180, 120);
    a.maneuvers = {c.maneuver};
    const auto frames = RunAll(Custom({a}, 60));
    ASSERT_EQ(frames.size(), 60u);
    for (size_t k = 1; k + 1 < frames.size(); ++k) {
      ASSERT_EQ(frames[k].truth.size(), 1u);
      const TruthPoint &before = frames[k - 1].truth[0], &now = frames[k].truth[0],
                       &after = frames[k + 1].truth[0];
      EXPECT_NEAR((after.delay_km - before.delay_km) / 2, now.delay_rate_km_s, 1e-4)
          << c.what << " frame " << k;
      EXPECT_NEAR((after.doppler_hz - before.doppler_hz) / 2, now.doppler_rate_hz_s, 0.01)
          << c.what << " frame " << k;
    }
  }
}

TEST(ScenarioPhysicsTest, ManeuversApplyOnlyInTheirWindow) {
  Aircraft a = Plane({0, 60, 5}, 200, 0);
  a.maneuvers = {{.start_s = 10, .duration_s = 20, .turn_rate_deg_s = 3}};
  Aircraft straight = a;
  straight.maneuvers.clear();
  straight.id = "ac02";
  const auto frames = RunAll(Custom({a, straight}, 50));
  for (size_t k = 0; k < frames.size(); ++k) {
    const TruthPoint &turning = *Find(frames[k], "ac01"), &other = *Find(frames[k], "ac02");
    if (k < 10) {
      EXPECT_EQ(turning.doppler_hz, other.doppler_hz) << k;
      EXPECT_EQ(turning.doppler_rate_hz_s, other.doppler_rate_hz_s) << k;
    } else if (k < 30) {
      EXPECT_NE(turning.doppler_rate_hz_s, other.doppler_rate_hz_s) << k;
    } else {
      EXPECT_LT(std::abs(turning.doppler_rate_hz_s), 0.5) << k << ": straight again";
      EXPECT_GT(std::abs(turning.doppler_hz - other.doppler_hz), 5) << k << ": 60 degrees off";
    }
  }
}

TEST(ScenarioPhysicsTest, AircraftExistOnlyBetweenAppearAndDisappear) {
  Aircraft a = Plane({0, 60, 5}, 200, 0);
  a.appear_s = 3;
  a.disappear_s = 7;
  const auto frames = RunAll(Custom({a}, 10));
  ASSERT_EQ(frames.size(), 10u);
  for (size_t k = 0; k < frames.size(); ++k) {
    EXPECT_EQ(frames[k].truth.size(), k >= 3 && k < 7 ? 1u : 0u) << k;
  }
  const Vec3 p{0, 60, 5};
  EXPECT_NEAR(frames[3].truth[0].delay_km, Distance(p, {30, 0, 0}) + Distance(p, {0, 0, 0}) - 30,
              1e-9)
      << "it starts where it appears";
}

TEST(ScenarioPhysicsTest, TimestampsAreStartPlusRoundedFrameTimes) {
  Scenario s = Custom({}, 1, 0.3);
  s.start_ms = 1000;
  const auto frames = RunAll(s);
  ASSERT_EQ(frames.size(), 3u);  // floor(1 / 0.3)
  EXPECT_EQ(frames[0].timestamp_ms, 1000);
  EXPECT_EQ(frames[1].timestamp_ms, 1300);
  EXPECT_EQ(frames[2].timestamp_ms, 1600);
  EXPECT_EQ(frames[2].frame.timestamp_ms, 1600);
}

// --- Sensor -------------------------------------------------------------------------------------

TEST(ScenarioSensorTest, SameSeedSameFramesOtherSeedOtherFrames) {
  const auto busy = BuiltinScenario("busy", 7);
  ASSERT_TRUE(busy);
  const auto again = BuiltinScenario("busy", 7);
  ASSERT_TRUE(again);
  ScenarioRunner a(*busy), b(*again);
  Scenario reseeded = *busy;
  reseeded.seed = 8;
  ScenarioRunner c(reseeded);
  SimFrame fa, fb, fc;
  int differing = 0;
  for (int k = 0; k < 100; ++k) {
    ASSERT_TRUE(a.Next(fa) && b.Next(fb) && c.Next(fc));
    ASSERT_EQ(fa.frame.detections.size(), fb.frame.detections.size()) << k;
    for (size_t i = 0; i < fa.frame.detections.size(); ++i) {
      EXPECT_EQ(fa.frame.detections[i].delay_km, fb.frame.detections[i].delay_km);
      EXPECT_EQ(fa.frame.detections[i].doppler_hz, fb.frame.detections[i].doppler_hz);
      EXPECT_EQ(fa.frame.detections[i].snr_db, fb.frame.detections[i].snr_db);
      EXPECT_EQ(fa.frame.detections[i].adsb_hex, fb.frame.detections[i].adsb_hex);
    }
    EXPECT_EQ(ToTruthLine(fa, "n"), ToTruthLine(fb, "n"));
    if (ToNodeLine(fa.frame, "n", "") != ToNodeLine(fc.frame, "n", "")) ++differing;
  }
  EXPECT_EQ(differing, 100);
  const auto other = BuiltinScenario("busy", 8);
  ASSERT_TRUE(other);
  EXPECT_NE(other->aircraft[0].position_km.x, busy->aircraft[0].position_km.x);
}

struct BuiltinCase {
  const char* name;
  size_t in_view;
  size_t frames;
  double pd, clutter;
};

TEST(ScenarioBuiltinTest, EachKeepsItsAircraftInViewAtEveryFrame) {
  const BuiltinCase cases[] = {
      {"busy", 10, 600, 0.9, 20},  {"crossing", 10, 600, 0.9, 20}, {"dense", 100, 600, 0.9, 200},
      {"sparse", 4, 600, 0.7, 20}, {"demo", 6, 3600, 0.9, 10},
  };
  ASSERT_EQ(BuiltinScenarioNames().size(), std::size(cases));
  for (const auto& c : cases) {
    const auto s = BuiltinScenario(c.name, 1);
    ASSERT_TRUE(s) << c.name;
    EXPECT_EQ(s->sensor.pd, c.pd) << c.name;
    EXPECT_EQ(s->sensor.clutter_per_frame, c.clutter) << c.name;
    std::set<std::string> hexes, adsb;
    for (const auto& a : s->aircraft) {
      EXPECT_EQ(a.hex.size(), 6u) << a.hex;
      EXPECT_EQ(a.hex.find_first_not_of("0123456789abcdef"), std::string::npos) << a.hex;
      hexes.insert(a.hex);
      if (a.adsb) adsb.insert(a.id);
    }
    EXPECT_EQ(hexes.size(), s->aircraft.size()) << c.name << ": hex addresses are unique";
    EXPECT_EQ(adsb.size(), (s->aircraft.size() + 3) / 4) << c.name << ": a quarter, rounded up";
    const auto frames = RunAll(*s);
    ASSERT_EQ(frames.size(), c.frames) << c.name;
    for (const auto& f : frames) {
      ASSERT_EQ(f.truth.size(), c.in_view) << c.name << " at " << f.timestamp_ms;
      for (const auto& t : f.truth) {
        ASSERT_LE(std::abs(t.doppler_hz), 200) << c.name << " " << t.aircraft;
        ASSERT_GE(t.delay_km, 5) << c.name << " " << t.aircraft;
        ASSERT_LE(t.delay_km, 145) << c.name << " " << t.aircraft;
      }
    }
  }
  EXPECT_FALSE(BuiltinScenario("nope", 1));
}

TEST(ScenarioBuiltinTest, CrossingPairsMeetInDelayDopplerAndPartAgain) {
  const auto s = BuiltinScenario("crossing", 3);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->aircraft.size(), 10u);
  const auto frames = RunAll(*s);
  for (int pair = 0; pair < 5; ++pair) {
    char a_id[8], b_id[8];
    std::snprintf(a_id, sizeof a_id, "ac%02d", 2 * pair + 1);
    std::snprintf(b_id, sizeof b_id, "ac%02d", 2 * pair + 2);
    double closest = 1e9;
    size_t at = 0;
    for (size_t k = 0; k < frames.size(); ++k) {
      const TruthPoint *a = Find(frames[k], a_id), *b = Find(frames[k], b_id);
      ASSERT_TRUE(a && b);
      // Within 0.5 km and 2 Hz at once is a score below 1.
      const double score = std::max(std::abs(a->delay_km - b->delay_km) / 0.5,
                                    std::abs(a->doppler_hz - b->doppler_hz) / 2);
      if (score < closest) closest = score, at = k;
    }
    EXPECT_LT(closest, 1) << a_id << " and " << b_id;
    const TruthPoint *a = Find(frames[at], a_id), *b = Find(frames[at], b_id);
    EXPECT_GT(std::abs(a->doppler_rate_hz_s - b->doppler_rate_hz_s), 0.05)
        << "different range accelerations: the pair crosses, it does not fly in formation";
    const TruthPoint *a0 = Find(frames[0], a_id), *b0 = Find(frames[0], b_id);
    EXPECT_TRUE(std::abs(a0->delay_km - b0->delay_km) > 1 ||
                std::abs(a0->doppler_hz - b0->doppler_hz) > 5)
        << a_id << " and " << b_id << " apart at the start";
  }
}

TEST(ScenarioSensorTest, AdsbHexOnlyOnDetectionsOfAdsbAircraft) {
  const auto s = BuiltinScenario("busy", 2);
  ASSERT_TRUE(s);
  std::map<std::string, std::string> adsb_hex;  // aircraft id -> hex
  for (const auto& a : s->aircraft) {
    if (a.adsb) adsb_hex[a.id] = a.hex;
  }
  ScenarioRunner runner(*s);
  SimFrame f;
  for (int k = 0; k < 200 && runner.Next(f); ++k) {
    std::map<std::string, int> carried;
    for (const auto& d : f.frame.detections) {
      if (!d.adsb_hex.empty()) ++carried[d.adsb_hex];
    }
    for (const auto& t : f.truth) {
      const auto it = adsb_hex.find(t.aircraft);
      const int expected = it != adsb_hex.end() && t.detected ? 1 : 0;
      EXPECT_EQ(carried[t.hex], expected) << t.aircraft << " frame " << k;
      carried.erase(t.hex);
    }
    EXPECT_TRUE(carried.empty()) << "clutter never carries a hex";
  }
}

TEST(ScenarioSensorTest, ClutterCountIsPoissonWithTheConfiguredMean) {
  for (const double mean : {0.5, 20.0, 200.0}) {
    Scenario s = Custom({}, 2000);
    s.sensor.clutter_per_frame = mean;
    std::vector<double> counts;
    for (const auto& f : RunAll(s)) {
      counts.push_back(static_cast<double>(f.frame.detections.size()));
      for (const auto& d : f.frame.detections) {
        ASSERT_GE(d.delay_km, 0);
        ASSERT_LE(d.delay_km, s.sensor.delay_max_km);
        ASSERT_GE(std::abs(d.doppler_hz), s.sensor.notch_hz);
        ASSERT_LE(std::abs(d.doppler_hz), s.sensor.doppler_max_hz);
        ASSERT_GE(d.snr_db, s.sensor.min_snr_db);
        ASSERT_TRUE(d.adsb_hex.empty());
      }
    }
    const Moments m = Stats(counts);
    EXPECT_NEAR(m.mean, mean, 3 * std::sqrt(mean / 2000)) << mean;
    EXPECT_NEAR(m.sd * m.sd / mean, 1, 0.2) << mean << ": a Poisson count's variance is its mean";
  }
}

// One aircraft flying north 60 km out, strong and well outside the notch, for 2000 frames of
// `interval_s` (it stays in view up to 0.05 s).
Scenario OneStrongTarget(double pd, double interval_s = 0.05) {
  Scenario s = Custom({Plane({0, 60, 8}, 200, 0)}, 2000 * interval_s, interval_s);
  s.sensor.pd = pd;
  return s;
}

TEST(ScenarioSensorTest, MeasuredPdMatchesPd) {
  for (const double pd : {0.0, 0.7, 0.9, 1.0}) {
    int detected = 0, frames = 0;
    for (const auto& f : RunAll(OneStrongTarget(pd))) {
      ++frames;
      ASSERT_EQ(f.truth.size(), 1u);
      ASSERT_GT(std::abs(f.truth[0].doppler_hz), 50);
      ASSERT_EQ(f.frame.detections.size(), f.truth[0].detected ? 1u : 0u);
      detected += f.truth[0].detected;
    }
    const double measured = detected / static_cast<double>(frames);
    EXPECT_NEAR(measured, pd, 3 * std::sqrt(pd * (1 - pd) / frames) + 1e-12) << pd;
  }
}

TEST(ScenarioSensorTest, NothingDetectedInsideTheNotchOrBelowTheThreshold) {
  Aircraft stationary = Plane({0, 60, 8}, 0, 0);
  Aircraft slow = Plane({0, 60, 8}, 15, 0);  // |f| ~ 9 Hz
  slow.id = "slow";
  Aircraft weak = Plane({0, 60, 8}, 200, 0);
  weak.id = "weak";
  weak.rcs_db = -60;
  Aircraft fast = Plane({0, 60, 8}, 200, 180);
  fast.id = "fast";
  Scenario s = Custom({stationary, slow, weak, fast}, 100);
  s.sensor.pd = 1;
  s.sensor.notch_hz = 20;
  for (const auto& f : RunAll(s)) {
    EXPECT_FALSE(Find(f, "ac01")->detected);
    EXPECT_LT(std::abs(Find(f, "slow")->doppler_hz), 20);
    EXPECT_FALSE(Find(f, "slow")->detected);
    EXPECT_LT(Find(f, "weak")->snr_db, s.sensor.min_snr_db);
    EXPECT_FALSE(Find(f, "weak")->detected);
    EXPECT_TRUE(Find(f, "fast")->detected);
    ASSERT_EQ(f.frame.detections.size(), 1u);
    EXPECT_GE(std::abs(f.frame.detections[0].doppler_hz), 20);
  }
}

struct NoiseCase {
  const char* what;
  double snr_offset_db;  // target SNR above snr_ref_db
  double factor;         // of sigma
};

TEST(ScenarioSensorTest, NoiseStandardDeviationScalesWithSnr) {
  const NoiseCase cases[] = {
      {"at the reference SNR", 0, 1},
      {"6 dB below", -6, std::pow(10, 6.0 / 20)},
      {"40 dB above: clamped", 40, 0.25},
  };
  for (const auto& c : cases) {
    // 20 s of flight: 4 km, so the SNR stays within a fraction of a dB of the middle's.
    Scenario s = OneStrongTarget(1, 0.01);
    s.sensor.min_snr_db = -100;
    s.sensor.sigma_delay_km = 0.4;
    s.sensor.sigma_doppler_hz = 1;
    const Vec3 middle{0, 62, 8};
    const double ranges = Distance(middle, s.geometry.transmitter) * Distance(middle, {0, 0, 0});
    s.sensor.snr_at_100km_db =
        s.sensor.snr_ref_db + c.snr_offset_db + 20 * std::log10(ranges / 1e4);
    std::vector<double> delay_error, doppler_error, delay_scaled, doppler_scaled;
    for (const auto& f : RunAll(s)) {
      ASSERT_EQ(f.frame.detections.size(), 1u);
      const TruthPoint& t = f.truth[0];
      const auto& d = f.frame.detections[0];
      const double factor =
          std::clamp(std::pow(10, (s.sensor.snr_ref_db - t.snr_db) / 20), 0.25, 3.0);
      delay_error.push_back(d.delay_km - t.delay_km);
      doppler_error.push_back(d.doppler_hz - t.doppler_hz);
      delay_scaled.push_back((d.delay_km - t.delay_km) / (0.4 * factor));
      doppler_scaled.push_back((d.doppler_hz - t.doppler_hz) / factor);
    }
    // Relative to the SNR each frame had: exactly unit normal.
    EXPECT_NEAR(Stats(delay_scaled).sd, 1, 0.06) << c.what;
    EXPECT_NEAR(Stats(doppler_scaled).sd, 1, 0.06) << c.what;
    EXPECT_NEAR(Stats(delay_scaled).mean, 0, 0.08) << c.what;
    // In absolute terms, near sigma times the factor (the SNR fluctuation widens it a little).
    EXPECT_NEAR(Stats(delay_error).sd / 0.4, c.factor, 0.1 * c.factor) << c.what;
    EXPECT_NEAR(Stats(doppler_error).sd, c.factor, 0.1 * c.factor) << c.what;
  }
}

// --- Lines --------------------------------------------------------------------------------------

TEST(ScenarioLineTest, NodeLineParsesIntoTheSameNumbers) {
  const auto s = BuiltinScenario("busy", 1);
  ASSERT_TRUE(s);
  ScenarioRunner runner(*s);
  protocol::Parser parser;
  SimFrame f;
  int with_adsb = 0;
  for (int k = 0; k < 50 && runner.Next(f); ++k) {
    std::string line = ToNodeLine(f.frame, "radar1", "tok");
    EXPECT_EQ(line.find('\n'), std::string::npos);
    const size_t size = line.size();
    line.append(protocol::kLinePadding, '\0');
    protocol::Message m;
    ASSERT_EQ(parser.Parse(line.data(), size, m), protocol::Reject::kNone) << line;
    EXPECT_EQ(m.node_id, "radar1");
    EXPECT_EQ(m.token, "tok");
    EXPECT_EQ(m.timestamp_ms, f.timestamp_ms);
    ASSERT_EQ(m.count, f.frame.detections.size());
    for (size_t i = 0; i < m.count; ++i) {
      const auto& d = f.frame.detections[i];
      EXPECT_NEAR(m.delay[i], d.delay_km, 0.5e-4 + 1e-12);
      EXPECT_NEAR(m.doppler[i], d.doppler_hz, 0.5e-3 + 1e-12);
      EXPECT_NEAR(m.snr[i], d.snr_db, 0.5e-2 + 1e-12);
      if (m.adsb == nullptr) {
        EXPECT_TRUE(d.adsb_hex.empty());
        continue;
      }
      const protocol::AdsbEntry& entry = m.adsb[i];
      if (d.adsb_hex.empty()) {
        EXPECT_FALSE(entry.is_object);
      } else {
        ++with_adsb;
        ASSERT_TRUE(entry.is_object);
        EXPECT_EQ(entry.hex, d.adsb_hex);
        google::protobuf::Struct object;
        ASSERT_TRUE(
            object.ParseFromArray(entry.encoded.data(), static_cast<int>(entry.encoded.size())));
        EXPECT_EQ(object.fields().at("flight").string_value().rfind("RH", 0), 0u);
      }
    }
  }
  EXPECT_GT(with_adsb, 50);

  tracking::Frame empty;
  empty.timestamp_ms = 5;
  std::string line = ToNodeLine(empty, "radar1", "");
  const size_t size = line.size();
  line.append(protocol::kLinePadding, '\0');
  protocol::Message m;
  ASSERT_EQ(parser.Parse(line.data(), size, m), protocol::Reject::kNone) << line;
  EXPECT_EQ(m.count, 0u);
  EXPECT_EQ(m.adsb, nullptr) << "no hex anywhere: no adsb array";
}

TEST(ScenarioLineTest, TruthLineCarriesEveryPoint) {
  SimFrame f;
  f.timestamp_ms = 1767225600000;
  f.truth.push_back({"ac01", "abc123", 40.12346, -0.1234567, 41.1234, -0.12346, 17.456, true});
  f.truth.push_back({"ac02", "def456", 10, 0.2, -66.6, 0.5, 9, false});
  const std::string line = ToTruthLine(f, "radar1");
  rapidjson::Document doc;
  doc.Parse(line.c_str());
  ASSERT_FALSE(doc.HasParseError()) << line;
  EXPECT_EQ(doc["timestamp"].GetInt64(), 1767225600000);
  EXPECT_STREQ(doc["node_id"].GetString(), "radar1");
  ASSERT_EQ(doc["truth"].Size(), 2u);
  const auto& p = doc["truth"][0];
  EXPECT_STREQ(p["aircraft"].GetString(), "ac01");
  EXPECT_STREQ(p["hex"].GetString(), "abc123");
  EXPECT_DOUBLE_EQ(p["delay"].GetDouble(), 40.1235);
  EXPECT_DOUBLE_EQ(p["delay_rate"].GetDouble(), -0.123457);
  EXPECT_DOUBLE_EQ(p["doppler"].GetDouble(), 41.123);
  EXPECT_DOUBLE_EQ(p["doppler_rate"].GetDouble(), -0.1235);  // rounded, not cut
  EXPECT_DOUBLE_EQ(p["snr"].GetDouble(), 17.46);
  EXPECT_TRUE(p["detected"].GetBool());
  EXPECT_FALSE(doc["truth"][1]["detected"].GetBool());
}

// --- Scenario files -----------------------------------------------------------------------------

TEST(ScenarioParseTest, ReadsEveryField) {
  std::string error;
  const auto s = ParseScenario(R"({
    "name": "mine", "duration_s": 30, "frame_interval_s": 0.5, "start_ms": 1000, "seed": 42,
    "geometry": {"receiver": {"x": 1, "y": 2, "z": 3}, "transmitter": {"x": 40},
                 "frequency_hz": 95e6},
    "sensor": {"pd": 0.5, "notch_hz": 2, "clutter_per_frame": 3, "delay_max_km": 100,
               "doppler_max_hz": 150, "snr_ref_db": 10, "sigma_delay_km": 0.2,
               "sigma_doppler_hz": 0.5, "snr_at_100km_db": 20, "min_snr_db": 4,
               "clutter_snr_mean_db": 7},
    "aircraft": [
      {"id": "x1", "hex": "a0b1c2", "adsb": true, "position_km": {"x": 5, "y": 50, "z": 9},
       "speed_mps": 230, "heading_deg": 270, "climb_mps": -2, "rcs_db": 3, "appear_s": 2,
       "disappear_s": 20,
       "maneuvers": [{"start_s": 5, "duration_s": 10, "turn_rate_deg_s": 1.5,
                      "acceleration_mps2": 0.5, "climb_mps": 4}]},
      {}
    ]})",
                               error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->name, "mine");
  EXPECT_EQ(s->duration_s, 30);
  EXPECT_EQ(s->frame_interval_s, 0.5);
  EXPECT_EQ(s->start_ms, 1000);
  EXPECT_EQ(s->seed, 42u);
  EXPECT_EQ(s->geometry.receiver.z, 3);
  EXPECT_EQ(s->geometry.transmitter.x, 40);
  EXPECT_EQ(s->geometry.transmitter.z, 0.3) << "unset coordinates keep their defaults";
  EXPECT_EQ(s->geometry.frequency_hz, 95e6);
  EXPECT_EQ(s->sensor.pd, 0.5);
  EXPECT_EQ(s->sensor.clutter_snr_mean_db, 7);
  EXPECT_EQ(s->sensor.sigma_doppler_hz, 0.5);
  ASSERT_EQ(s->aircraft.size(), 2u);
  const Aircraft& a = s->aircraft[0];
  EXPECT_EQ(a.id, "x1");
  EXPECT_EQ(a.hex, "a0b1c2");
  EXPECT_TRUE(a.adsb);
  EXPECT_EQ(a.position_km.y, 50);
  EXPECT_EQ(a.speed_mps, 230);
  EXPECT_EQ(a.heading_deg, 270);
  EXPECT_EQ(a.climb_mps, -2);
  EXPECT_EQ(a.rcs_db, 3);
  EXPECT_EQ(a.appear_s, 2);
  EXPECT_EQ(a.disappear_s, 20);
  ASSERT_EQ(a.maneuvers.size(), 1u);
  EXPECT_EQ(a.maneuvers[0].turn_rate_deg_s, 1.5);
  EXPECT_EQ(a.maneuvers[0].climb_mps, 4);
  EXPECT_EQ(s->aircraft[1].id, "ac02") << "an aircraft without an id is named by position";
  EXPECT_EQ(RunAll(*s).size(), 60u);
}

struct ParseErrorCase {
  const char* json;
  const char* error;
};

TEST(ScenarioParseTest, ErrorsNameTheField) {
  const ParseErrorCase cases[] = {
      {R"({"duration":5})", "duration: unknown key"},
      {R"({"aircraft":[{},{},{"speed_mps":"fast"}]})", "aircraft[2].speed_mps: must be a number"},
      {R"({"aircraft":[{"speed_mps":-1}]})", "aircraft[0].speed_mps: must be at least 0"},
      {R"({"aircraft":[{"wings":2}]})", "aircraft[0].wings: unknown key"},
      {R"({"aircraft":[{"maneuvers":[{"start_s":1,"turn":2}]}]})",
       "aircraft[0].maneuvers[0].turn: unknown key"},
      {R"({"aircraft":[{"maneuvers":[{"duration_s":-1}]}]})",
       "aircraft[0].maneuvers[0].duration_s: must be at least 0"},
      {R"({"aircraft":[{"maneuvers":{}}]})", "aircraft[0].maneuvers: must be an array"},
      {R"({"aircraft":[{"adsb":true}]})", "aircraft[0].hex: required when adsb is true"},
      {R"({"aircraft":[{"adsb":"yes"}]})", "aircraft[0].adsb: must be true or false"},
      {R"({"aircraft":[{"hex":"xyz"}]})", "aircraft[0].hex: must be up to 16 hex digits"},
      {R"({"aircraft":[{"id":7}]})", "aircraft[0].id: must be a string"},
      {R"({"aircraft":[{"id":"a"},{"id":"a"}]})", "aircraft[1].id: duplicate 'a'"},
      {R"({"aircraft":[{"appear_s":10,"disappear_s":5}]})",
       "aircraft[0].disappear_s: must be after appear_s"},
      {R"({"aircraft":[{"position_km":{"x":1,"w":2}}]})", "aircraft[0].position_km.w: unknown key"},
      {R"({"aircraft":{}})", "aircraft: must be an array"},
      {R"({"aircraft":[5]})", "aircraft[0]: must be an object"},
      {R"({"duration_s":0})", "duration_s: must be greater than 0"},
      {R"({"duration_s":"long"})", "duration_s: must be a number"},
      {R"({"frame_interval_s":0})", "frame_interval_s: must be at least 0.001"},
      {R"({"duration_s":1e9,"frame_interval_s":0.001})", "duration_s: more than"},
      {R"({"start_ms":1.5})", "start_ms: must be an integer"},
      {R"({"start_ms":0})", "start_ms: must be an integer"},
      {R"({"seed":-1})", "seed: must be a non-negative integer"},
      {R"({"name":5})", "name: must be a string"},
      {R"({"geometry":{"receiver":{"x":"a"}}})", "geometry.receiver.x: must be a number"},
      {R"({"geometry":{"frequency_hz":0}})", "geometry.frequency_hz: must be greater than 0"},
      {R"({"geometry":[]})", "geometry: must be an object"},
      {R"({"sensor":{"pd":1.5}})", "sensor.pd: must be between 0 and 1"},
      {R"({"sensor":{"bogus":1}})", "sensor.bogus: unknown key"},
      {R"({"sensor":{"sigma_delay_km":-0.1}})", "sensor.sigma_delay_km: must be at least 0"},
      {R"({"sensor":{"doppler_max_hz":0}})", "sensor.doppler_max_hz: must be greater than 0"},
      {R"({"duration_s":1e999})", "invalid JSON"},
      {R"({"duration_s":NaN})", "invalid JSON"},
      {R"([1])", "scenario: must be a JSON object"},
      {R"({"a":)", "invalid JSON at offset"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(ParseScenario(c.json, error)) << c.json;
    EXPECT_EQ(error.rfind(c.error, 0), 0u) << c.json << " gave: " << error;
  }
}

TEST(ScenarioParseTest, LoadScenarioTakesBuiltinNamesAndFiles) {
  std::string error;
  const auto busy = LoadScenario("busy", 5, error);
  ASSERT_TRUE(busy) << error;
  EXPECT_EQ(busy->seed, 5u);
  EXPECT_EQ(busy->aircraft.size(), BuiltinScenario("busy", 5)->aircraft.size());
  EXPECT_EQ(busy->aircraft[3].hex, BuiltinScenario("busy", 5)->aircraft[3].hex);

  const auto dir = std::filesystem::temp_directory_path() /
                   ("radarhub-scenario-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string without_seed = (dir / "a.json").string(), with_seed = (dir / "b.json").string(),
                    broken = (dir / "c.json").string();
  std::ofstream(without_seed) << R"({"duration_s": 5, "aircraft": [{"hex": "abc"}]})";
  std::ofstream(with_seed) << R"({"seed": 9})";
  std::ofstream(broken) << R"({"sensor": {"pd": 2}})";
  const auto a = LoadScenario(without_seed, 5, error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->seed, 5u) << "no seed in the file: the caller's";
  EXPECT_EQ(a->aircraft.size(), 1u);
  const auto b = LoadScenario(with_seed, 5, error);
  ASSERT_TRUE(b) << error;
  EXPECT_EQ(b->seed, 9u) << "the file's own seed wins";
  EXPECT_FALSE(LoadScenario(broken, 5, error));
  EXPECT_EQ(error, broken + ": sensor.pd: must be between 0 and 1");
  EXPECT_FALSE(LoadScenario((dir / "missing.json").string(), 5, error));
  EXPECT_NE(error.find("missing.json"), std::string::npos) << error;
  EXPECT_NE(error.find("busy"), std::string::npos) << "names the built-ins: " << error;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace radarhub::simulation
