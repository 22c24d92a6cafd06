// libFuzzer target: whatever frames a node can get past the ingest (any finite numbers, any
// timestamps, any ADS-B hex) never crash the tracker, never give a track a non-finite state, and
// never grow it without bound.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "radarhub/tracking/tracker.hpp"

namespace {

// Reads the input as a stream of values; past its end, zeros.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  double Finite() {
    double v = 0;
    uint8_t raw[sizeof v] = {};
    for (uint8_t& b : raw) b = Byte();
    std::memcpy(&v, raw, sizeof v);
    return std::isfinite(v) ? v : 0.0;
  }
  // Mostly plausible values, sometimes anything finite.
  double Around(double centre, double spread) {
    const uint8_t kind = Byte();
    if (kind < 16) return Finite();
    return centre + spread * (static_cast<double>(Byte()) - 128.0) / 128.0 +
           static_cast<double>(Byte()) / 256.0;
  }

 private:
  const uint8_t* data_;
  size_t size_, pos_ = 0;
};

void Check(const radarhub::tracking::TrackState& t) {
  for (double v : {t.delay_km, t.delay_rate_km_s, t.doppler_hz, t.doppler_rate_hz_s, t.delay_sd_km,
                   t.doppler_sd_hz, t.score}) {
    if (!std::isfinite(v)) throw std::logic_error("non-finite track state");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  radarhub::tracking::MultiTargetTracker tracker;
  int64_t timestamp = 1767225600000;
  while (!in.empty()) {
    radarhub::tracking::Frame frame;
    const uint8_t step = in.Byte();
    // Any jump a node's clock can make (the ingest keeps 0 < t < 2^53), back or forth.
    timestamp += step < 8 ? static_cast<int64_t>(std::fmod(in.Finite(), 1e8)) : 100 * step;
    timestamp = std::clamp<int64_t>(timestamp, 1, (int64_t{1} << 53) - 1);
    frame.timestamp_ms = timestamp;
    const size_t n = in.Byte() % 40;
    for (size_t i = 0; i < n; ++i) {
      radarhub::tracking::Detection d{in.Around(60, 80), in.Around(0, 220), in.Around(12, 10), ""};
      if (in.Byte() < 32) d.adsb_hex = std::string(1, static_cast<char>('a' + in.Byte() % 4));
      frame.detections.push_back(std::move(d));
    }
    const auto& result = (step == 255) ? tracker.Tick(timestamp) : tracker.Process(frame);
    for (const auto& t : result.tracks) Check(t);
    for (const auto& t : result.deleted) Check(t);
    // Every track starts from a detection and tentative ones die within a few frames.
    if (result.tracks.size() > 40 * 16) throw std::logic_error("tracks grow without bound");
  }
  return 0;
}
