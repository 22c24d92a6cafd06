#include "status_event.hpp"

namespace radarhub::ingest {

hub::EventPtr MakeStatusEvent(const v1::NodeStatus& status) {
  v1::NodeEvent event;
  event.set_node_id(status.node_id());
  *event.mutable_status() = status;
  auto out = std::make_shared<hub::Event>();
  out->kind = hub::Event::Kind::kStatus;
  event.SerializeToString(&out->payload);
  return out;
}

}  // namespace radarhub::ingest
