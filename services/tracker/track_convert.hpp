#pragma once

#include <string>
#include <string_view>

#include "radarhub/protocol/parser.hpp"
#include "radarhub/tracking/types.hpp"
#include "radarhub/v1/radarhub.pb.h"

namespace radarhub::tracker {

// Between the wire and libs/tracking: detections in, tracks out.

// A frame as the ingest streams it; an ADS-B object's "hex" (a string) labels its detection.
tracking::Frame ToTrackingFrame(const v1::DetectionFrame& frame);
// A parsed node-protocol frame (offline replay), the same way.
tracking::Frame ToTrackingFrame(const protocol::Message& message);

void ToProto(const tracking::TrackState& state, const std::string& node_id, v1::Track& out);

// One line of a track file (no newline): track_id, node_id, timestamp (ms, the frame's), status,
// delay, doppler, delay_rate, doppler_rate, their standard deviations, hits, misses, length, and
// adsb_hex when known.
void AppendTrackLine(const tracking::TrackState& state, std::string_view node_id, std::string& out);

}  // namespace radarhub::tracker
