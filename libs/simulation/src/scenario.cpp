#include "radarhub/simulation/scenario.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <sstream>
#include <utility>

namespace radarhub::simulation {
namespace {

constexpr double kSpeedOfLight = 299792458.0;
constexpr double kPi = 3.14159265358979323846;
constexpr double kRadPerDeg = kPi / 180;
// Kinematics integrate on this grid whatever the frame interval, so a scenario's flights do not
// depend on how often it is sampled.
constexpr double kStepS = 0.1;
constexpr double kSnrFluctuationDb = 1.5;
constexpr double kNoiseFactorMin = 0.25, kNoiseFactorMax = 3;
constexpr double kMaxFrames = 1e8;

// ---------------------------------------------------------------------------------------------
// Random numbers: std::mt19937_64 is specified bit for bit, its distributions are not, so these
// are our own and a seed gives the same scenario with every standard library.

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Random final {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  double Uniform() { return std::ldexp(static_cast<double>(engine_() >> 11), -53); }  // [0, 1)
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  bool Chance(double p) { return Uniform() < p; }
  double Sign() { return Chance(0.5) ? 1.0 : -1.0; }
  uint64_t Below(uint64_t n) { return engine_() % n; }
  uint64_t Bits() { return engine_(); }

  // Box-Muller; 1 - Uniform() is in (0, 1], so the log is finite.
  double Normal() {
    const double radius = std::sqrt(-2 * std::log(1 - Uniform()));
    return radius * std::cos(2 * kPi * Uniform());
  }
  double Exponential(double mean) { return -mean * std::log(1 - Uniform()); }

  // Exact: Knuth's product method in chunks of mean <= 30 (e^-30 is far from underflow), as a
  // sum of independent Poisson counts is Poisson. Beyond 1e5 a normal approximation is exact
  // enough and keeps the cost bounded.
  uint64_t Poisson(double mean) {
    if (!(mean > 0)) return 0;
    if (mean > 1e5) {
      return static_cast<uint64_t>(std::max(0.0, std::round(mean + std::sqrt(mean) * Normal())));
    }
    constexpr double kChunk = 30;
    uint64_t count = 0;
    for (double left = mean; left > 0; left -= kChunk) {
      const double limit = std::exp(-std::min(left, kChunk));
      double product = Uniform();
      while (product > limit) {
        ++count;
        product *= Uniform();
      }
    }
    return count;
  }

 private:
  std::mt19937_64 engine_;
};

// ---------------------------------------------------------------------------------------------
// Geometry.

Vec3 Add(const Vec3& a, const Vec3& b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
Vec3 Sub(const Vec3& a, const Vec3& b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
Vec3 Scale(const Vec3& a, double k) { return {a.x * k, a.y * k, a.z * k}; }
double Dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
double Norm(const Vec3& a) { return std::sqrt(Dot(a, a)); }

double Wavelength(const Geometry& g) { return kSpeedOfLight / g.frequency_hz; }

// An aircraft's motion at one instant, in km, km/s and km/s^2.
struct Kinematics {
  Vec3 position, velocity, acceleration;
  double speed_mps = 0;
};

// Where that motion puts it in the node's measurement space.
struct Bistatic {
  double delay_km = 0, rate_km_s = 0, acceleration_km_s2 = 0;
  double range_tx_km = 0, range_rx_km = 0;
  double doppler_hz = 0, doppler_rate_hz_s = 0;
};

Bistatic Measure(const Geometry& g, const Kinematics& k) {
  const Vec3 to_tx = Sub(k.position, g.transmitter), to_rx = Sub(k.position, g.receiver);
  Bistatic b;
  b.range_tx_km = Norm(to_tx);
  b.range_rx_km = Norm(to_rx);
  b.delay_km = b.range_tx_km + b.range_rx_km - Norm(Sub(g.transmitter, g.receiver));
  // The range rate is v projected on the sum of the unit vectors; its derivative adds the
  // turning of those unit vectors, (|v|^2 - (v.u)^2) / r each (zero at a site itself).
  const double vv = Dot(k.velocity, k.velocity);
  for (const auto& [to, range] :
       {std::pair{to_tx, b.range_tx_km}, std::pair{to_rx, b.range_rx_km}}) {
    if (range < 1e-9) continue;
    const Vec3 unit = Scale(to, 1 / range);
    const double radial = Dot(k.velocity, unit);
    b.rate_km_s += radial;
    b.acceleration_km_s2 += Dot(k.acceleration, unit) + (vv - radial * radial) / range;
  }
  const double wavelength_m = Wavelength(g);
  b.doppler_hz = -b.rate_km_s * 1000 / wavelength_m;
  b.doppler_rate_hz_s = -b.acceleration_km_s2 * 1000 / wavelength_m;
  return b;
}

// ---------------------------------------------------------------------------------------------
// Flight: integrates one aircraft on a fixed grid from appear_s, forward only.

class Flight final {
 public:
  explicit Flight(const Aircraft& aircraft)
      : aircraft_(&aircraft),
        t_(aircraft.appear_s),
        position_(aircraft.position_km),
        speed_mps_(aircraft.speed_mps),
        heading_deg_(aircraft.heading_deg) {}

  const Aircraft& aircraft() const { return *aircraft_; }
  bool Exists(double t) const { return t >= aircraft_->appear_s && t < aircraft_->disappear_s; }

  // The motion at `t` (>= appear_s, and not before the previous call's t).
  Kinematics At(double t) {
    while (t_ + kStepS <= t + 1e-9) Step(kStepS);
    // The remainder of a step is integrated on a copy, so the grid stays the same.
    Flight copy = *this;
    if (t > copy.t_) copy.Step(t - copy.t_);
    return copy.Now();
  }

 private:
  struct Rates {
    double turn_deg_s = 0, acceleration_mps2 = 0, climb_mps = 0;
  };

  Rates RatesAt(double t) const {
    Rates r{0, 0, aircraft_->climb_mps};
    for (const Maneuver& m : aircraft_->maneuvers) {
      if (t < m.start_s || t >= m.start_s + m.duration_s) continue;
      r.turn_deg_s += m.turn_rate_deg_s;
      r.acceleration_mps2 += m.acceleration_mps2;
      r.climb_mps += m.climb_mps;
    }
    // Ground speed stops at zero: a deceleration does not fly the aircraft backwards.
    if (speed_mps_ <= 0 && r.acceleration_mps2 < 0) r.acceleration_mps2 = 0;
    return r;
  }

  // Midpoint rule: rates from the middle of the step, velocity from heading and speed there.
  void Step(double h) {
    const Rates r = RatesAt(t_ + h / 2);
    const double heading_mid = (heading_deg_ - r.turn_deg_s * h / 2) * kRadPerDeg;
    const double speed_mid = std::max(0.0, speed_mps_ + r.acceleration_mps2 * h / 2);
    position_.x += speed_mid * std::sin(heading_mid) * h / 1000;
    position_.y += speed_mid * std::cos(heading_mid) * h / 1000;
    position_.z += r.climb_mps * h / 1000;
    heading_deg_ = std::fmod(heading_deg_ - r.turn_deg_s * h, 360.0);  // positive turn = left
    speed_mps_ = std::max(0.0, speed_mps_ + r.acceleration_mps2 * h);
    t_ += h;
  }

  Kinematics Now() const {
    const Rates r = RatesAt(t_);
    const double heading = heading_deg_ * kRadPerDeg;
    const double sin_h = std::sin(heading), cos_h = std::cos(heading);
    const double heading_rate = -r.turn_deg_s * kRadPerDeg;
    Kinematics k;
    k.position = position_;
    k.speed_mps = speed_mps_;
    k.velocity = {speed_mps_ * sin_h / 1000, speed_mps_ * cos_h / 1000, r.climb_mps / 1000};
    k.acceleration = {(r.acceleration_mps2 * sin_h + speed_mps_ * heading_rate * cos_h) / 1000,
                      (r.acceleration_mps2 * cos_h - speed_mps_ * heading_rate * sin_h) / 1000, 0};
    return k;
  }

  const Aircraft* aircraft_;
  double t_;
  Vec3 position_;
  double speed_mps_, heading_deg_;
};

int64_t FrameCount(const Scenario& s) {
  return static_cast<int64_t>(std::floor(s.duration_s / s.frame_interval_s + 1e-9));
}

// ---------------------------------------------------------------------------------------------
// Built-in scenarios.

constexpr double kViewMinKm = 5, kViewMaxKm = 145, kViewMaxDopplerHz = 190;
constexpr int kMaxAttempts = 1000000;

// The rejection test of the built-ins: in view, inside the Doppler band and flying sensibly
// (above 300 m, 80..320 m/s) at every second from appear_s to `until_s`.
bool StaysInView(const Geometry& g, const Aircraft& a, double until_s) {
  Flight flight(a);
  for (double t = a.appear_s;; t = std::min(t + 1, until_s)) {
    const Kinematics k = flight.At(t);
    const Bistatic b = Measure(g, k);
    if (b.delay_km < kViewMinKm || b.delay_km > kViewMaxKm ||
        std::abs(b.doppler_hz) > kViewMaxDopplerHz || k.position.z < 0.3 || k.speed_mps < 80 ||
        k.speed_mps > 320) {
      return false;
    }
    if (t >= until_s) return true;
  }
}

// One candidate flying from `appear_s` to `until_s`: ~40 % straight, ~30 % one or two turns,
// ~15 % a change of speed, ~15 % a climb or descent, starting 30 s after appearing at the
// earliest and 60 s before the end at the latest.
Aircraft DrawAircraft(Random& r, double appear_s, double until_s) {
  Aircraft a;
  const double radius = 80 * std::sqrt(r.Uniform()), angle = r.Uniform(0, 2 * kPi);
  a.position_km = {radius * std::cos(angle), radius * std::sin(angle), r.Uniform(1, 12)};
  a.speed_mps = r.Uniform(120, 260);
  a.heading_deg = r.Uniform(0, 360);
  a.rcs_db = r.Uniform(-3, 6);
  a.appear_s = appear_s;
  const double first = appear_s + 30, last = until_s - 60;
  const double mix = r.Uniform();
  if (last <= first || mix < 0.4) return a;
  if (mix < 0.7) {
    const int turns = r.Chance(0.5) ? 2 : 1;
    for (int i = 0; i < turns; ++i) {
      Maneuver m;
      m.start_s = std::round(r.Uniform(first, last));
      m.duration_s = r.Uniform(15, 60);
      m.turn_rate_deg_s = r.Sign() * r.Uniform(1, 3);
      a.maneuvers.push_back(m);
    }
    std::sort(a.maneuvers.begin(), a.maneuvers.end(),
              [](const Maneuver& x, const Maneuver& y) { return x.start_s < y.start_s; });
    if (turns == 2) {  // one after the other, not one turn at twice the rate
      const Maneuver& before = a.maneuvers[0];
      Maneuver& after = a.maneuvers[1];
      after.start_s = std::max(after.start_s, std::ceil(before.start_s + before.duration_s + 5));
    }
  } else if (mix < 0.85) {
    Maneuver m;
    m.start_s = std::round(r.Uniform(first, last));
    m.duration_s = r.Uniform(20, 60);
    m.acceleration_mps2 = r.Sign() * r.Uniform(0.5, 2);
    a.maneuvers.push_back(m);
  } else {
    Maneuver m;
    m.start_s = std::round(r.Uniform(first, last));
    m.duration_s = r.Uniform(30, 120);
    m.climb_mps = r.Sign() * r.Uniform(5, 15);
    a.maneuvers.push_back(m);
  }
  return a;
}

// `slots` aircraft in view at every frame. A slot is one aircraft for the whole scenario when
// `leg_s` is 0; otherwise a chain of aircraft, each in view for a leg of leg_s[0]..leg_s[1]
// seconds and replaced by the next as it leaves (the live demo outlasts any straight flight).
bool DrawTraffic(Random& r, const Geometry& g, int slots, double duration_s, double leg_min_s,
                 double leg_max_s, std::vector<Aircraft>& out) {
  for (int slot = 0; slot < slots; ++slot) {
    for (double start = 0; start < duration_s;) {
      const double end =
          leg_max_s <= 0
              ? duration_s
              : std::min(duration_s, start + std::round(r.Uniform(leg_min_s, leg_max_s)));
      int attempts = 0;
      Aircraft a;
      do {
        if (++attempts > kMaxAttempts) return false;
        a = DrawAircraft(r, start, end);
      } while (!StaysInView(g, a, end));
      if (end < duration_s) a.disappear_s = end;
      out.push_back(std::move(a));
      start = end;
    }
  }
  return true;
}

// Pairs that meet: at t0 both are over the same point 300 m apart in height, B's velocity A's
// mirrored about the bistatic bisector, so their range rates agree and their range accelerations
// (hence Doppler rates) do not. Straight flight, back from t0 to appear at 0.
bool DrawCrossingPairs(Random& r, const Geometry& g, int pairs, double duration_s,
                       std::vector<Aircraft>& out) {
  for (int pair = 0; pair < pairs; ++pair) {
    const double t0 = 60 + 110 * pair;
    int attempts = 0;
    while (true) {
      if (++attempts > kMaxAttempts) return false;
      const double radius = 70 * std::sqrt(r.Uniform()), angle = r.Uniform(0, 2 * kPi);
      const Vec3 meet{radius * std::cos(angle), radius * std::sin(angle), r.Uniform(2, 11)};
      const double speed = r.Uniform(150, 250) / 1000, heading = r.Uniform(0, 2 * kPi);
      const Vec3 va{speed * std::sin(heading), speed * std::cos(heading), 0};
      const Vec3 to_tx = Sub(meet, g.transmitter), to_rx = Sub(meet, g.receiver);
      Vec3 bisector = Add(Scale(to_tx, 1 / Norm(to_tx)), Scale(to_rx, 1 / Norm(to_rx)));
      bisector.z = 0;
      if (Norm(bisector) < 0.1) continue;
      bisector = Scale(bisector, 1 / Norm(bisector));
      const Vec3 vb = Sub(Scale(bisector, 2 * Dot(va, bisector)), va);
      if (Dot(va, vb) > std::cos(30 * kRadPerDeg) * speed * speed) continue;  // distinct tracks

      std::vector<Aircraft> both(2);
      for (int i = 0; i < 2; ++i) {
        const Vec3& v = i == 0 ? va : vb;
        Aircraft& a = both[static_cast<size_t>(i)];
        a.speed_mps = speed * 1000;
        a.heading_deg = std::atan2(v.x, v.y) / kRadPerDeg;
        a.position_km = Sub(meet, Scale(v, t0));
        a.position_km.z = meet.z + 0.3 * i;
        a.rcs_db = r.Uniform(-3, 6);
      }
      // Cheap tests on the straight lines first, the full flight only for the survivors.
      const auto at = [&](size_t i, double t) {
        const Aircraft& a = both[i];
        return Measure(g, {Add(a.position_km, Scale(i == 0 ? va : vb, t)), i == 0 ? va : vb, Vec3{},
                           a.speed_mps});
      };
      const auto in_view = [](const Bistatic& b) {
        return b.delay_km >= kViewMinKm && b.delay_km <= kViewMaxKm &&
               std::abs(b.doppler_hz) <= kViewMaxDopplerHz;
      };
      bool crosses = true;
      for (const double t : {0.0, duration_s}) {
        crosses = crosses && in_view(at(0, t)) && in_view(at(1, t));
      }
      // Together at the crossing (the height difference aside) and visible there, outside any
      // notch; apart a minute before and after it: tracks that cross, not a formation.
      for (const double t : {std::max(0.0, t0 - 60), t0, std::min(duration_s, t0 + 60)}) {
        if (!crosses) break;
        const Bistatic ba = at(0, t), bb = at(1, t);
        const double delay_apart = std::abs(ba.delay_km - bb.delay_km);
        const double doppler_apart = std::abs(ba.doppler_hz - bb.doppler_hz);
        crosses = t == t0
                      ? delay_apart < 0.2 && doppler_apart < 0.5 && std::abs(ba.doppler_hz) >= 10
                      : delay_apart > 1.5 || doppler_apart > 8;
      }
      if (!crosses) continue;
      if (!StaysInView(g, both[0], duration_s) || !StaysInView(g, both[1], duration_s)) continue;
      out.insert(out.end(), both.begin(), both.end());
      break;
    }
  }
  return true;
}

// Ids in order of appearance, unique 24-bit hex addresses, ADS-B on every fourth aircraft (a
// quarter, rounded up).
void NameAircraft(Random& r, std::vector<Aircraft>& aircraft) {
  std::stable_sort(aircraft.begin(), aircraft.end(),
                   [](const Aircraft& a, const Aircraft& b) { return a.appear_s < b.appear_s; });
  const int width = aircraft.size() >= 100 ? 3 : 2;
  std::set<std::string> used;
  for (size_t i = 0; i < aircraft.size(); ++i) {
    char text[32];
    std::snprintf(text, sizeof text, "ac%0*zu", width, i + 1);
    aircraft[i].id = text;
    do {
      std::snprintf(text, sizeof text, "%06llx",
                    static_cast<unsigned long long>(r.Bits() & 0xffffff));
    } while (!used.insert(text).second || std::string_view(text) == "000000");
    aircraft[i].hex = text;
    aircraft[i].adsb = i % 4 == 0;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON.

using JsonValue = rapidjson::Value;

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string FormatNumber(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

// Reads JSON into the scenario structs; the first error names the field by its path.
class ScenarioReader final {
 public:
  explicit ScenarioReader(std::string& error) : error_(error) {}

  bool Fail(const std::string& path, std::string_view what) {
    error_ = path + ": " + std::string(what);
    return false;
  }

  bool IsObject(const JsonValue& v, const std::string& path) {
    return v.IsObject() || Fail(path, "must be an object");
  }

  bool KnownKeys(const JsonValue& object, const std::string& path,
                 std::initializer_list<std::string_view> known) {
    for (const auto& m : object.GetObject()) {
      const std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        return Fail(Join(path, key), "unknown key");
      }
    }
    return true;
  }

  // A finite number within [min, max] (or (min, max] when `min_exclusive`); absent keeps `out`.
  bool Number(const JsonValue& object, const std::string& path, const char* key, double& out,
              double min = -std::numeric_limits<double>::infinity(),
              double max = std::numeric_limits<double>::infinity(), bool min_exclusive = false) {
    const auto it = object.FindMember(key);
    if (it == object.MemberEnd()) return true;
    const std::string field = Join(path, key);
    if (!it->value.IsNumber() || !std::isfinite(it->value.GetDouble())) {
      return Fail(field, "must be a number");
    }
    const double v = it->value.GetDouble();
    const bool above = min_exclusive ? v > min : v >= min;
    if (!above || v > max) {
      if (std::isfinite(max)) {
        return Fail(field, "must be between " + FormatNumber(min) + " and " + FormatNumber(max));
      }
      return Fail(field, (min_exclusive ? "must be greater than " : "must be at least ") +
                             FormatNumber(min));
    }
    out = v;
    return true;
  }

  bool String(const JsonValue& object, const std::string& path, const char* key, std::string& out) {
    const auto it = object.FindMember(key);
    if (it == object.MemberEnd()) return true;
    if (!it->value.IsString()) return Fail(Join(path, key), "must be a string");
    out.assign(it->value.GetString(), it->value.GetStringLength());
    return true;
  }

  bool Bool(const JsonValue& object, const std::string& path, const char* key, bool& out) {
    const auto it = object.FindMember(key);
    if (it == object.MemberEnd()) return true;
    if (!it->value.IsBool()) return Fail(Join(path, key), "must be true or false");
    out = it->value.GetBool();
    return true;
  }

  bool Point(const JsonValue& object, const std::string& path, const char* key, Vec3& out) {
    const auto it = object.FindMember(key);
    if (it == object.MemberEnd()) return true;
    const std::string field = Join(path, key);
    return IsObject(it->value, field) && KnownKeys(it->value, field, {"x", "y", "z"}) &&
           Number(it->value, field, "x", out.x) && Number(it->value, field, "y", out.y) &&
           Number(it->value, field, "z", out.z);
  }

  bool ReadGeometry(const JsonValue& v, const std::string& path, Geometry& g) {
    return IsObject(v, path) && KnownKeys(v, path, {"receiver", "transmitter", "frequency_hz"}) &&
           Point(v, path, "receiver", g.receiver) && Point(v, path, "transmitter", g.transmitter) &&
           Number(v, path, "frequency_hz", g.frequency_hz, 0, kInf, true);
  }

  bool ReadSensor(const JsonValue& v, const std::string& path, SensorSettings& s) {
    return IsObject(v, path) &&
           KnownKeys(v, path,
                     {"pd", "notch_hz", "clutter_per_frame", "delay_max_km", "doppler_max_hz",
                      "snr_ref_db", "sigma_delay_km", "sigma_doppler_hz", "snr_at_100km_db",
                      "min_snr_db", "clutter_snr_mean_db"}) &&
           Number(v, path, "pd", s.pd, 0, 1) && Number(v, path, "notch_hz", s.notch_hz, 0) &&
           Number(v, path, "clutter_per_frame", s.clutter_per_frame, 0, 1e6) &&
           Number(v, path, "delay_max_km", s.delay_max_km, 0, kInf, true) &&
           Number(v, path, "doppler_max_hz", s.doppler_max_hz, 0, kInf, true) &&
           Number(v, path, "snr_ref_db", s.snr_ref_db) &&
           Number(v, path, "sigma_delay_km", s.sigma_delay_km, 0) &&
           Number(v, path, "sigma_doppler_hz", s.sigma_doppler_hz, 0) &&
           Number(v, path, "snr_at_100km_db", s.snr_at_100km_db) &&
           Number(v, path, "min_snr_db", s.min_snr_db) &&
           Number(v, path, "clutter_snr_mean_db", s.clutter_snr_mean_db);
  }

  bool ReadManeuver(const JsonValue& v, const std::string& path, Maneuver& m) {
    return IsObject(v, path) &&
           KnownKeys(
               v, path,
               {"start_s", "duration_s", "turn_rate_deg_s", "acceleration_mps2", "climb_mps"}) &&
           Number(v, path, "start_s", m.start_s) &&
           Number(v, path, "duration_s", m.duration_s, 0) &&
           Number(v, path, "turn_rate_deg_s", m.turn_rate_deg_s) &&
           Number(v, path, "acceleration_mps2", m.acceleration_mps2) &&
           Number(v, path, "climb_mps", m.climb_mps);
  }

  bool ReadAircraft(const JsonValue& v, const std::string& path, Aircraft& a) {
    if (!IsObject(v, path) ||
        !KnownKeys(v, path,
                   {"id", "hex", "adsb", "position_km", "speed_mps", "heading_deg", "climb_mps",
                    "rcs_db", "appear_s", "disappear_s", "maneuvers"}) ||
        !String(v, path, "id", a.id) || !String(v, path, "hex", a.hex) ||
        !Bool(v, path, "adsb", a.adsb) || !Point(v, path, "position_km", a.position_km) ||
        !Number(v, path, "speed_mps", a.speed_mps, 0) ||
        !Number(v, path, "heading_deg", a.heading_deg) ||
        !Number(v, path, "climb_mps", a.climb_mps) || !Number(v, path, "rcs_db", a.rcs_db) ||
        !Number(v, path, "appear_s", a.appear_s, 0) ||
        !Number(v, path, "disappear_s", a.disappear_s)) {
      return false;
    }
    if (a.disappear_s <= a.appear_s)
      return Fail(Join(path, "disappear_s"), "must be after appear_s");
    if (a.id.empty()) return Fail(Join(path, "id"), "must not be empty");
    if (a.hex.size() > 16 || !std::all_of(a.hex.begin(), a.hex.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      return Fail(Join(path, "hex"), "must be up to 16 hex digits");
    }
    if (a.adsb && a.hex.empty()) return Fail(Join(path, "hex"), "required when adsb is true");
    const auto maneuvers = v.FindMember("maneuvers");
    if (maneuvers == v.MemberEnd()) return true;
    const std::string list = Join(path, "maneuvers");
    if (!maneuvers->value.IsArray()) return Fail(list, "must be an array");
    for (const auto& m : maneuvers->value.GetArray()) {
      a.maneuvers.emplace_back();
      if (!ReadManeuver(m, Index(list, a.maneuvers.size() - 1), a.maneuvers.back())) return false;
    }
    return true;
  }

  bool ReadScenario(const JsonValue& root, Scenario& s) {
    if (!root.IsObject()) return Fail("scenario", "must be a JSON object");
    if (!KnownKeys(root, "",
                   {"name", "duration_s", "frame_interval_s", "start_ms", "seed", "geometry",
                    "sensor", "aircraft"}) ||
        !String(root, "", "name", s.name) ||
        !Number(root, "", "duration_s", s.duration_s, 0, kInf, true) ||
        // Whole milliseconds apart keeps frame timestamps strictly increasing.
        !Number(root, "", "frame_interval_s", s.frame_interval_s, 0.001)) {
      return false;
    }
    if (s.duration_s / s.frame_interval_s > kMaxFrames) {
      return Fail("duration_s", "more than " + FormatNumber(kMaxFrames) + " frames");
    }
    if (const auto it = root.FindMember("start_ms"); it != root.MemberEnd()) {
      if (!it->value.IsInt64() || it->value.GetInt64() <= 0 ||
          it->value.GetInt64() >= (int64_t{1} << 53)) {
        return Fail("start_ms", "must be an integer between 1 and 2^53 - 1 (ms since the epoch)");
      }
      s.start_ms = it->value.GetInt64();
    }
    if (const auto it = root.FindMember("seed"); it != root.MemberEnd()) {
      if (!it->value.IsUint64()) return Fail("seed", "must be a non-negative integer");
      s.seed = it->value.GetUint64();
    }
    if (const auto it = root.FindMember("geometry");
        it != root.MemberEnd() && !ReadGeometry(it->value, "geometry", s.geometry)) {
      return false;
    }
    if (const auto it = root.FindMember("sensor");
        it != root.MemberEnd() && !ReadSensor(it->value, "sensor", s.sensor)) {
      return false;
    }
    const auto list = root.FindMember("aircraft");
    if (list == root.MemberEnd()) return true;
    if (!list->value.IsArray()) return Fail("aircraft", "must be an array");
    std::set<std::string> ids;
    for (const auto& v : list->value.GetArray()) {
      const size_t i = s.aircraft.size();
      auto& a = s.aircraft.emplace_back();
      char id[32];
      std::snprintf(id, sizeof id, "ac%02zu", i + 1);
      a.id = id;
      if (!ReadAircraft(v, Index("aircraft", i), a)) return false;
      if (!ids.insert(a.id).second)
        return Fail(Index("aircraft", i) + ".id", "duplicate '" + a.id + "'");
    }
    return true;
  }

 private:
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  std::string& error_;
};

double Rounded(double v, double scale) { return std::round(v * scale) / scale; }

// A flight number for the ADS-B object, derived from the address so every frame agrees.
std::string FlightFor(const std::string& hex) {
  const unsigned long value = std::strtoul(hex.c_str(), nullptr, 16);
  return "RH" + std::to_string(100 + value % 9000);
}

}  // namespace

// -----------------------------------------------------------------------------------------------

std::vector<std::string> BuiltinScenarioNames() {
  return {"busy", "crossing", "dense", "sparse", "demo"};
}

std::optional<Scenario> BuiltinScenario(std::string_view name, uint64_t seed) {
  const auto names = BuiltinScenarioNames();
  const auto found = std::find(names.begin(), names.end(), name);
  if (found == names.end()) return std::nullopt;
  Scenario s;
  s.name = std::string(name);
  s.seed = seed;
  // Traffic draws from a stream of its own, per scenario, apart from the runner's.
  Random r(SplitMix64(seed * 16 + static_cast<uint64_t>(found - names.begin())));
  bool drawn = false;
  if (name == "busy") {
    drawn = DrawTraffic(r, s.geometry, 10, s.duration_s, 0, 0, s.aircraft);
  } else if (name == "crossing") {
    drawn = DrawCrossingPairs(r, s.geometry, 5, s.duration_s, s.aircraft);
  } else if (name == "dense") {
    s.sensor.clutter_per_frame = 200;
    drawn = DrawTraffic(r, s.geometry, 100, s.duration_s, 0, 0, s.aircraft);
  } else if (name == "sparse") {
    s.sensor.pd = 0.7;
    drawn = DrawTraffic(r, s.geometry, 4, s.duration_s, 0, 0, s.aircraft);
  } else {  // demo
    s.sensor.clutter_per_frame = 10;
    s.duration_s = 3600;
    drawn = DrawTraffic(r, s.geometry, 6, s.duration_s, 300, 600, s.aircraft);
  }
  if (!drawn) return std::nullopt;
  NameAircraft(r, s.aircraft);
  return s;
}

std::optional<Scenario> ParseScenario(std::string_view json, std::string& error) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  if (doc.HasParseError()) {
    error = "invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
            rapidjson::GetParseError_En(doc.GetParseError());
    return std::nullopt;
  }
  Scenario s;
  if (!ScenarioReader(error).ReadScenario(doc, s)) return std::nullopt;
  return s;
}

std::optional<Scenario> LoadScenario(const std::string& name_or_path, uint64_t seed,
                                     std::string& error) {
  const auto names = BuiltinScenarioNames();
  if (std::find(names.begin(), names.end(), name_or_path) != names.end()) {
    auto s = BuiltinScenario(name_or_path, seed);
    if (!s) error = name_or_path + ": no traffic could be drawn for seed " + std::to_string(seed);
    return s;
  }
  std::ifstream in(name_or_path, std::ios::binary);
  if (!in) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    error = name_or_path + ": no such file, and not a built-in scenario (" + known + ")";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    error = name_or_path + ": read error";
    return std::nullopt;
  }
  const std::string json = text.str();
  // The file's own seed wins; without one, the caller's.
  rapidjson::Document probe;
  probe.Parse(json.data(), json.size());
  auto s = ParseScenario(json, error);
  if (!s) {
    error = name_or_path + ": " + error;
    return std::nullopt;
  }
  if (!probe.HasMember("seed")) s->seed = seed;
  if (s->name.empty()) s->name = name_or_path;
  return s;
}

// -----------------------------------------------------------------------------------------------

class ScenarioRunner::Impl {
 public:
  explicit Impl(Scenario s)
      : scenario(std::move(s)),
        frames(FrameCount(scenario)),
        random(SplitMix64(scenario.seed ^ 0x5ce7a510c0ffee00ULL)) {
    flights.reserve(scenario.aircraft.size());
    for (const Aircraft& a : scenario.aircraft) flights.emplace_back(a);
  }

  bool Next(SimFrame& out) {
    if (next >= frames) return false;
    const double t = static_cast<double>(next) * scenario.frame_interval_s;
    out.timestamp_ms = scenario.start_ms + std::llround(t * 1000);
    out.frame.timestamp_ms = out.timestamp_ms;
    out.frame.detections.clear();
    out.truth.clear();
    ++next;
    const SensorSettings& sensor = scenario.sensor;
    for (Flight& flight : flights) {
      if (!flight.Exists(t)) continue;
      const Bistatic b = Measure(scenario.geometry, flight.At(t));
      if (b.delay_km < 0 || b.delay_km > sensor.delay_max_km) continue;
      const Aircraft& a = flight.aircraft();
      TruthPoint& truth = out.truth.emplace_back();
      truth.aircraft = a.id;
      truth.hex = a.hex;
      truth.delay_km = b.delay_km;
      truth.delay_rate_km_s = b.rate_km_s;
      truth.doppler_hz = b.doppler_hz;
      truth.doppler_rate_hz_s = b.doppler_rate_hz_s;
      // The bistatic radar equation relative to a 0 dB target at Rtx * Rrx = (100 km)^2.
      truth.snr_db = sensor.snr_at_100km_db + a.rcs_db -
                     20 * std::log10(std::max(b.range_tx_km * b.range_rx_km, 1e-6) / 1e4) +
                     kSnrFluctuationDb * random.Normal();
      // Every in-view aircraft draws the same numbers, detected or not, so one aircraft's luck
      // does not reshuffle the others'.
      const bool lucky = random.Uniform() < sensor.pd;
      const double noise_delay = random.Normal(), noise_doppler = random.Normal();
      truth.detected = lucky && truth.snr_db >= sensor.min_snr_db &&
                       std::abs(truth.doppler_hz) >= sensor.notch_hz;
      if (!truth.detected) continue;
      const double factor = std::clamp(std::pow(10.0, (sensor.snr_ref_db - truth.snr_db) / 20),
                                       kNoiseFactorMin, kNoiseFactorMax);
      tracking::Detection& d = out.frame.detections.emplace_back();
      d.delay_km = truth.delay_km + noise_delay * sensor.sigma_delay_km * factor;
      d.doppler_hz = truth.doppler_hz + noise_doppler * sensor.sigma_doppler_hz * factor;
      d.snr_db = truth.snr_db;
      if (a.adsb) d.adsb_hex = a.hex;
    }
    AddClutter(out.frame.detections);
    // Fisher-Yates with our own index draw: targets and clutter in no telling order.
    auto& detections = out.frame.detections;
    for (size_t i = detections.size(); i > 1; --i) {
      std::swap(detections[i - 1], detections[random.Below(i)]);
    }
    return true;
  }

  void AddClutter(std::vector<tracking::Detection>& into) {
    const SensorSettings& sensor = scenario.sensor;
    const uint64_t count = random.Poisson(sensor.clutter_per_frame);
    if (sensor.notch_hz >= sensor.doppler_max_hz) return;  // no Doppler left outside the notch
    const double excess = sensor.clutter_snr_mean_db > sensor.min_snr_db
                              ? sensor.clutter_snr_mean_db - sensor.min_snr_db
                              : 1;
    for (uint64_t i = 0; i < count; ++i) {
      tracking::Detection& d = into.emplace_back();
      d.delay_km = random.Uniform(0, sensor.delay_max_km);
      d.doppler_hz = random.Sign() * random.Uniform(sensor.notch_hz, sensor.doppler_max_hz);
      d.snr_db = sensor.min_snr_db + random.Exponential(excess);
    }
  }

  Scenario scenario;
  std::vector<Flight> flights;
  int64_t frames;
  int64_t next = 0;
  Random random;
};

ScenarioRunner::ScenarioRunner(Scenario scenario)
    : impl_(std::make_unique<Impl>(std::move(scenario))) {}
ScenarioRunner::~ScenarioRunner() = default;
bool ScenarioRunner::Next(SimFrame& out) { return impl_->Next(out); }
const Scenario& ScenarioRunner::scenario() const { return impl_->scenario; }

// -----------------------------------------------------------------------------------------------

std::string ToNodeLine(const tracking::Frame& frame, std::string_view node_id,
                       std::string_view token) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  const auto str = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  // Rounded first, so the writer prints the nearest value rather than cutting digits off.
  const auto numbers = [&](const char* key, double tracking::Detection::*field, int decimals) {
    w.Key(key);
    w.SetMaxDecimalPlaces(decimals);
    const double scale = std::pow(10.0, decimals);
    w.StartArray();
    for (const auto& d : frame.detections) w.Double(Rounded(d.*field, scale));
    w.EndArray();
  };
  w.StartObject();
  w.Key("node_id");
  str(node_id);
  w.Key("token");
  str(token);
  w.Key("timestamp");
  w.Int64(frame.timestamp_ms);
  numbers("delay", &tracking::Detection::delay_km, 4);
  numbers("doppler", &tracking::Detection::doppler_hz, 3);
  numbers("snr", &tracking::Detection::snr_db, 2);
  const bool any_adsb =
      std::any_of(frame.detections.begin(), frame.detections.end(),
                  [](const tracking::Detection& d) { return !d.adsb_hex.empty(); });
  if (any_adsb) {
    w.Key("adsb");
    w.StartArray();
    for (const auto& d : frame.detections) {
      if (d.adsb_hex.empty()) {
        w.Null();
        continue;
      }
      w.StartObject();
      w.Key("hex");
      str(d.adsb_hex);
      w.Key("flight");
      str(FlightFor(d.adsb_hex));
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string ToTruthLine(const SimFrame& frame, std::string_view node_id) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  const auto str = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  const auto number = [&w](const char* key, double v, int decimals) {
    w.Key(key);
    w.SetMaxDecimalPlaces(decimals);
    w.Double(Rounded(v, std::pow(10.0, decimals)));
  };
  w.StartObject();
  w.Key("timestamp");
  w.Int64(frame.timestamp_ms);
  w.Key("node_id");
  str(node_id);
  w.Key("truth");
  w.StartArray();
  for (const TruthPoint& p : frame.truth) {
    w.StartObject();
    w.Key("aircraft");
    str(p.aircraft);
    w.Key("hex");
    str(p.hex);
    number("delay", p.delay_km, 4);
    number("delay_rate", p.delay_rate_km_s, 6);
    number("doppler", p.doppler_hz, 3);
    number("doppler_rate", p.doppler_rate_hz_s, 4);
    number("snr", p.snr_db, 2);
    w.Key("detected");
    w.Bool(p.detected);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace radarhub::simulation
