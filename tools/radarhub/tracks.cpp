#include "tracks.hpp"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <cstdio>
#include <iostream>

#include "radarhub/v1/radarhub.grpc.pb.h"
#include "stop_signals.hpp"

namespace radarhub::tools {
namespace {

std::string Time(int64_t ms) {
  return google::protobuf::util::TimeUtil::ToString(
      google::protobuf::util::TimeUtil::MillisecondsToTimestamp(ms));
}

void PrintHeader() {
  std::printf("%-20s %6s %-10s %10s %10s %11s %12s %5s %6s  %s\n", "node", "track", "status",
              "delay km", "km/s", "doppler Hz", "Hz/s", "hits", "length", "adsb");
}

void PrintRow(const v1::Track& t) {
  std::printf("%-20s %6llu %-10s %10.3f %10.4f %11.2f %12.3f %5u %6u  %s\n", t.node_id().c_str(),
              static_cast<unsigned long long>(t.track_id()), t.status().c_str(), t.delay(),
              t.delay_rate(), t.doppler(), t.doppler_rate(), t.hits(), t.length(),
              t.adsb_hex().empty() ? "-" : t.adsb_hex().c_str());
}

class JsonLines {
 public:
  JsonLines() {
    options_.preserve_proto_field_names = true;
    options_.always_print_primitive_fields = true;  // scripts read every field of every line
  }
  void Print(const google::protobuf::Message& message) {
    line_.clear();
    (void)google::protobuf::util::MessageToJsonString(message, &line_, options_);
    line_.push_back('\n');
    std::fwrite(line_.data(), 1, line_.size(), stdout);
  }

 private:
  google::protobuf::util::JsonPrintOptions options_;
  std::string line_;
};

int Failed(const grpc::Status& status) {
  std::cerr << "radarhub tracks: " << StatusCodeName(status.error_code()) << ": "
            << status.error_message() << "\n";
  return 1;
}

int List(v1::Tracker::Stub& stub, grpc::ClientContext& context, const TracksSettings& s) {
  v1::ListTracksRequest request;
  for (const auto& node : s.nodes) request.add_node_ids(node);
  for (const auto& status : s.statuses) request.add_statuses(status);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::ListTracksResponse response;
  const grpc::Status status = stub.ListTracks(&context, request, &response);
  if (!status.ok()) return Failed(status);
  if (s.json) {
    JsonLines out;
    for (const auto& track : response.tracks()) out.Print(track);
  } else {
    PrintHeader();
    for (const auto& track : response.tracks()) PrintRow(track);
  }
  return 0;
}

int Follow(v1::Tracker::Stub& stub, grpc::ClientContext& context, const TracksSettings& s,
           StopSignals& stop) {
  v1::StreamTracksRequest request;
  for (const auto& node : s.nodes) request.add_node_ids(node);
  for (const auto& status : s.statuses) request.add_statuses(status);
  const ScopedStopAction cancel(stop, [&context] { context.TryCancel(); });
  auto reader = stub.StreamTracks(&context, request);
  JsonLines json;
  v1::TrackUpdate update;
  uint64_t updates = 0;
  while (reader->Read(&update)) {
    if (s.json) {
      json.Print(update);
    } else {
      std::printf("== %s %s  %d track%s%s", update.node_id().c_str(),
                  Time(update.timestamp_ms()).c_str(), update.tracks_size(),
                  update.tracks_size() == 1 ? "" : "s", update.snapshot() ? "  (snapshot)" : "");
      if (update.updates_dropped() != 0) {
        std::printf("  (%llu updates dropped)",
                    static_cast<unsigned long long>(update.updates_dropped()));
      }
      std::printf("\n");
      if (update.tracks_size() != 0) PrintHeader();
      for (const auto& track : update.tracks()) PrintRow(track);
    }
    std::fflush(stdout);
    if (s.max_updates != 0 && ++updates >= s.max_updates) {
      context.TryCancel();
      reader->Finish();
      return 0;
    }
  }
  const grpc::Status status = reader->Finish();
  if (stop.stopped()) return 0;
  return Failed(status.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream ended") : status);
}

}  // namespace

int RunTracks(const TracksSettings& settings, StopSignals& stop) {
  std::string error;
  const auto channel = OpenChannel(settings.client, error);
  grpc::ClientContext context;
  if (!channel || !Authorize(settings.client, context, error)) {
    std::cerr << "radarhub tracks: " << error << "\n";
    return 2;
  }
  const auto stub = v1::Tracker::NewStub(channel);
  return settings.follow ? Follow(*stub, context, settings, stop) : List(*stub, context, settings);
}

}  // namespace radarhub::tools
