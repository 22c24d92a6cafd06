#include "watch.hpp"

#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <cstdio>
#include <iostream>

#include "radarhub/v1/radarhub.grpc.pb.h"
#include "stop_signals.hpp"

namespace radarhub::tools {

namespace {

bool ParseResume(const std::string& text, v1::Resume& out) {
  const auto first = text.find(':');
  const auto second = text.find(':', first == std::string::npos ? first : first + 1);
  if (first == std::string::npos || second == std::string::npos) return false;
  uint64_t epoch = 0, sequence = 0;
  const char* end = text.data() + text.size();
  const auto e = std::from_chars(text.data() + first + 1, text.data() + second, epoch);
  const auto s = std::from_chars(text.data() + second + 1, end, sequence);
  if (e.ec != std::errc() || e.ptr != text.data() + second || s.ec != std::errc() || s.ptr != end ||
      first == 0) {
    return false;
  }
  out.set_node_id(text.substr(0, first));
  out.set_epoch(epoch);
  out.set_after_sequence(sequence);
  return true;
}

}  // namespace

int RunWatch(const WatchSettings& settings, StopSignals& stop) {
  v1::SubscribeRequest request;
  for (const auto& node : settings.nodes) request.add_node_ids(node);
  request.set_frames(!settings.status_only);
  for (const auto& text : settings.resume) {
    if (!ParseResume(text, *request.add_resume())) {
      std::cerr << "radarhub watch: invalid --resume '" << text
                << "': expected NODE:EPOCH:SEQUENCE\n";
      return 2;
    }
  }
  std::string error;
  const auto channel = OpenChannel(settings.client, error);
  grpc::ClientContext context;
  if (!channel || !Authorize(settings.client, context, error)) {
    std::cerr << "radarhub watch: " << error << "\n";
    return 2;
  }

  const ScopedStopAction cancel(stop, [&context] { context.TryCancel(); });

  auto reader = v1::Ingest::NewStub(channel)->Subscribe(&context, request);
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = true;
  v1::SubscribeResponse response;
  std::string line;
  uint64_t events = 0;
  while (reader->Read(&response)) {
    for (const auto& event : response.events()) {
      line.clear();
      google::protobuf::util::MessageToJsonString(event, &line, json);
      line.push_back('\n');
      std::fwrite(line.data(), 1, line.size(), stdout);
      if (settings.max_events != 0 && ++events >= settings.max_events) {
        std::fflush(stdout);
        context.TryCancel();
        reader->Finish();
        return 0;
      }
    }
    std::fflush(stdout);
  }
  const grpc::Status status = reader->Finish();
  if (stop.stopped()) return 0;
  std::cerr << "radarhub watch: stream ended: " << StatusCodeName(status.error_code()) << ": "
            << status.error_message() << "\n";
  return 1;
}

}  // namespace radarhub::tools
