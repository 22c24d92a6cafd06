#include "radarhub/protocol/line_framer.hpp"

namespace radarhub::protocol {

void LineFramer::ReleaseCarry() {
  if (carry_.capacity() > kRetainedCapacity) {
    std::string().swap(carry_);
  } else {
    carry_.clear();
  }
}

}  // namespace radarhub::protocol
