#pragma once

#include <string>

namespace radarhub::testing {

// The value of the sample `series` (name with its labels exactly as exposed, e.g.
// `radarhub_ingest_connections_closed_total{reason="auth"}`) on a Prometheus page; -1 if absent.
double MetricValue(const std::string& page, const std::string& series);

// The sum of every sample of metric `name` whose labels contain `label_fragment`.
double MetricSum(const std::string& page, const std::string& name,
                 const std::string& label_fragment = "");

}  // namespace radarhub::testing
