#pragma once

// JSON numbers to values, shared by the parser's two paths so that they convert every number the
// same way, bit for bit. Private to the protocol library.

#include <cstddef>
#include <cstdint>

namespace radarhub::protocol::json {

enum class NumberKind { kInt64, kUint64, kDouble };

struct Number {
  NumberKind kind = NumberKind::kInt64;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  int exponent = 0;  // the written exponent ("1.5e-7": -7), saturated at +-1000

  // The value as a double, converted as RapidJSON's GetDouble converts an integer value.
  double AsDouble() const {
    switch (kind) {
      case NumberKind::kInt64:
        return static_cast<double>(i);
      case NumberKind::kUint64:
        return static_cast<double>(u);
      case NumberKind::kDouble:
        break;
    }
    return d;
  }
};

// Reads the JSON number that starts at `p` (RFC 8259 grammar) and converts it: integers stay exact
// (int64, else uint64); anything else is the nearest double (overflow: infinity, underflow: zero).
// Returns one past its last byte, or nullptr when no valid number starts at `p`. Reads nothing at
// or beyond `end`.
const char* ScanNumber(const char* p, const char* end, Number& out);

// Converts the whole of [text, text + length): a number the caller's tokenizer has checked against
// the grammar, or the NaN/Infinity literals (which give non-finite doubles).
Number ConvertNumber(const char* text, size_t length);

}  // namespace radarhub::protocol::json
