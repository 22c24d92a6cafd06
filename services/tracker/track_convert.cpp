#include "track_convert.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace radarhub::tracker {

tracking::Frame ToTrackingFrame(const v1::DetectionFrame& frame) {
  tracking::Frame out;
  out.timestamp_ms = frame.timestamp_ms();
  out.detections.reserve(static_cast<size_t>(frame.detections_size()));
  for (const v1::Detection& d : frame.detections()) {
    tracking::Detection& t = out.detections.emplace_back();
    t.delay_km = d.delay();
    t.doppler_hz = d.doppler();
    t.snr_db = d.snr();
    if (d.has_adsb()) {
      const auto it = d.adsb().fields().find("hex");
      if (it != d.adsb().fields().end() && it->second.has_string_value()) {
        t.adsb_hex = it->second.string_value();
      }
    }
  }
  return out;
}

tracking::Frame ToTrackingFrame(const protocol::Message& message) {
  tracking::Frame out;
  out.timestamp_ms = message.timestamp_ms;
  out.detections.resize(message.count);
  for (size_t i = 0; i < message.count; ++i) {
    tracking::Detection& t = out.detections[i];
    t.delay_km = message.delay[i];
    t.doppler_hz = message.doppler[i];
    t.snr_db = message.snr[i];
    if (message.adsb != nullptr) t.adsb_hex = message.adsb[i].hex;
  }
  return out;
}

void ToProto(const tracking::TrackState& s, const std::string& node_id, v1::Track& out) {
  out.set_track_id(s.track_id);
  out.set_node_id(node_id);
  out.set_timestamp_ms(s.timestamp_ms);
  out.set_status(std::string(tracking::ToString(s.status)));
  out.set_delay(s.delay_km);
  out.set_delay_rate(s.delay_rate_km_s);
  out.set_doppler(s.doppler_hz);
  out.set_doppler_rate(s.doppler_rate_hz_s);
  out.set_delay_sd(s.delay_sd_km);
  out.set_delay_rate_sd(s.delay_rate_sd_km_s);
  out.set_doppler_sd(s.doppler_sd_hz);
  out.set_doppler_rate_sd(s.doppler_rate_sd_hz_s);
  out.set_hits(s.hits);
  out.set_misses(s.misses);
  out.set_length(s.length);
  out.set_score(s.score);
  out.set_adsb_hex(s.adsb_hex);
  out.set_started_ms(s.started_ms);
  out.set_updated_ms(s.updated_ms);
  if (s.associated) {
    v1::Detection* d = out.mutable_detection();
    d->set_delay(s.detection.delay_km);
    d->set_doppler(s.detection.doppler_hz);
    d->set_snr(s.detection.snr_db);
  }
}

void AppendTrackLine(const tracking::TrackState& s, std::string_view node_id, std::string& out) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.SetMaxDecimalPlaces(6);
  w.StartObject();
  w.Key("track_id");
  w.Uint64(s.track_id);
  w.Key("node_id");
  w.String(node_id.data(), static_cast<rapidjson::SizeType>(node_id.size()));
  w.Key("timestamp");
  w.Int64(s.timestamp_ms);
  w.Key("status");
  const std::string_view status = tracking::ToString(s.status);
  w.String(status.data(), static_cast<rapidjson::SizeType>(status.size()));
  const std::pair<const char*, double> numbers[] = {{"delay", s.delay_km},
                                                    {"doppler", s.doppler_hz},
                                                    {"delay_rate", s.delay_rate_km_s},
                                                    {"doppler_rate", s.doppler_rate_hz_s},
                                                    {"delay_sd", s.delay_sd_km},
                                                    {"doppler_sd", s.doppler_sd_hz}};
  for (const auto& [key, value] : numbers) {
    w.Key(key);
    w.Double(value);
  }
  w.Key("hits");
  w.Uint(s.hits);
  w.Key("misses");
  w.Uint(s.misses);
  w.Key("length");
  w.Uint(s.length);
  if (!s.adsb_hex.empty()) {
    w.Key("adsb_hex");
    w.String(s.adsb_hex.data(), static_cast<rapidjson::SizeType>(s.adsb_hex.size()));
  }
  w.EndObject();
  out.append(buffer.GetString(), buffer.GetSize());
}

}  // namespace radarhub::tracker
