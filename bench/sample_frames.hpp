#pragma once

#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace radarhub::bench {

// A node's frame line with the given detection lists (JSON numbers, comma-separated), one
// detection matched to an aircraft, as `radarhub node` writes it.
inline std::string FrameLine(const std::string& node, long long timestamp, const std::string& delay,
                             const std::string& doppler, const std::string& snr) {
  return R"({"node_id":")" + node + R"(","token":"0123456789abcdef","timestamp":)" +
         std::to_string(timestamp) + R"(,"delay":[)" + delay + R"(],"doppler":[)" + doppler +
         R"(],"snr":[)" + snr +
         R"(],"adsb":[{"hex":"4ca100","flight":"SIM1","alt_baro":30000,"lat":53.1,"lon":-6.2},)"
         R"(null,null,null,null,null,null,null,null,null]})";
}

// A typical line from a node: 10 detections, one matched to an aircraft (as `radarhub node`).
inline std::string SampleFrame(const std::string& node, long long timestamp) {
  return FrameLine(node, timestamp,
                   "40.462,87.118,12.904,131.551,66.207,5.873,190.034,23.481,150.276,99.640",
                   "-27.99,113.42,-201.07,45.88,-3.61,260.13,-118.75,12.04,-77.32,189.66",
                   "12.08,9.43,17.92,10.55,8.61,21.37,13.04,9.98,15.77,11.26");
}

// `count` frames like SampleFrame whose numbers vary as `radarhub node` writes them (delay
// 1-200 km to 3 decimals, Doppler +-300 Hz and SNR 8-25 dB to 2), so that a benchmark cycling
// through them meets digit counts the branch predictor cannot learn, as the ingest does.
inline std::vector<std::string> VariedFrames(const std::string& node, size_t count) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> delay(1, 200), doppler(-300, 300), snr(8, 25);
  const auto list = [&](std::uniform_real_distribution<double>& d, int decimals) {
    std::string out;
    char number[32];
    for (int i = 0; i < 10; ++i) {
      std::snprintf(number, sizeof number, "%s%.*f", i ? "," : "", decimals, d(rng));
      out += number;
    }
    return out;
  };
  std::vector<std::string> frames;
  for (size_t i = 0; i < count; ++i) {
    // Named, so the lists are drawn in this order whatever the compiler's argument order.
    const std::string d = list(delay, 3), f = list(doppler, 2), s = list(snr, 2);
    frames.push_back(FrameLine(node, 1768932172478 + static_cast<long long>(i), d, f, s));
  }
  return frames;
}

}  // namespace radarhub::bench
