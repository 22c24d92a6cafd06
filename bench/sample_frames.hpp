#pragma once

#include <string>

namespace radarhub::bench {

// A typical line from a node: 10 detections, one matched to an aircraft (as `radarhub node`).
inline std::string SampleFrame(const std::string& node, long long timestamp) {
  return R"({"node_id":")" + node + R"(","token":"0123456789abcdef","timestamp":)" +
         std::to_string(timestamp) +
         R"(,"delay":[40.462,87.118,12.904,131.551,66.207,5.873,190.034,23.481,150.276,99.640],)"
         R"("doppler":[-27.99,113.42,-201.07,45.88,-3.61,260.13,-118.75,12.04,-77.32,189.66],)"
         R"("snr":[12.08,9.43,17.92,10.55,8.61,21.37,13.04,9.98,15.77,11.26],)"
         R"("adsb":[{"hex":"4ca100","flight":"SIM1","alt_baro":30000,"lat":53.1,"lon":-6.2},)"
         R"(null,null,null,null,null,null,null,null,null]})";
}

}  // namespace radarhub::bench
