#pragma once

// JSON numbers to values, shared by the parser's two paths so that they convert every number the
// same way, bit for bit. Private to the protocol library.

#include <algorithm>
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

// Converts the whole of [text, text + length): a number the caller's tokenizer has checked against
// the grammar, or the NaN/Infinity literals (which give non-finite doubles).
Number ConvertNumber(const char* text, size_t length);

// The general conversion of [text, end), for what ScanNumber's fast path does not take.
void ConvertSlow(const char* text, const char* end, Number& out);

inline constexpr double kExactPowersOf10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                              1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                              1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// Reads the JSON number that starts at `p` (RFC 8259 grammar) and converts it: integers stay exact
// (int64, else uint64); anything else is the nearest double (overflow: infinity, underflow: zero).
// Returns one past its last byte, or nullptr when no valid number starts at `p`. Reads nothing at
// or beyond `end`, unless kTerminated: then a byte that cannot continue a number follows the input
// (the frame path's NUL sentinel), and no byte is compared against `end`.
//
// Numbers as nodes write them (at most 15 digits, an exponent within +-22 once the decimal point is
// counted) take Clinger's fast path: the digits as an exact integer times or divided by an exact
// power of ten, one correctly rounded operation. Everything else goes the general way. Inline:
// the frame path reads every number of a frame with it.
template <bool kTerminated = false>
[[gnu::always_inline]] inline const char* ScanNumber(const char* p, const char* const end,
                                                     Number& out) {
  const auto more = [end](const char* at) { return kTerminated || at != end; };
  const char* const text = p;
  const bool negative = more(p) && *p == '-';
  p += negative;
  const char* const first_digit = p;
  if (!more(p) || !IsDigit(*p)) return nullptr;
  uint64_t digits = 0;  // wraps past 19 digits, but is only used up to 15
  if (*p == '0') {
    ++p;
  } else {
    while (more(p) && IsDigit(*p)) digits = digits * 10 + static_cast<uint64_t>(*p++ - '0');
  }
  int fraction = 0;
  if (more(p) && *p == '.') {
    const char* const fraction_start = ++p;
    while (more(p) && IsDigit(*p)) digits = digits * 10 + static_cast<uint64_t>(*p++ - '0');
    fraction = static_cast<int>(p - fraction_start);
    if (fraction == 0) return nullptr;
  }
  const auto significant = (p - first_digit) - (fraction != 0);  // leading zeros included
  bool has_exponent = false;
  out.exponent = 0;
  if (more(p) && (*p == 'e' || *p == 'E')) {
    ++p;
    const bool exponent_negative = more(p) && *p == '-';
    p += more(p) && (*p == '-' || *p == '+');
    if (!more(p) || !IsDigit(*p)) return nullptr;
    // Saturating: "1e-99999999999" is valid JSON (zero).
    for (; more(p) && IsDigit(*p); ++p)
      out.exponent = std::min(out.exponent * 10 + (*p - '0'), 1000);
    if (exponent_negative) out.exponent = -out.exponent;
    has_exponent = true;
  }
  if (significant > 15) {
    ConvertSlow(text, p, out);
    return p;
  }
  if (!has_exponent && fraction == 0) {
    out.kind = NumberKind::kInt64;
    out.i = negative ? -static_cast<int64_t>(digits) : static_cast<int64_t>(digits);
    return p;
  }
  const int power = out.exponent - fraction;
  if (power < -22 || power > 22) {
    ConvertSlow(text, p, out);
    return p;
  }
  out.kind = NumberKind::kDouble;
  const double value = power >= 0 ? static_cast<double>(digits) * kExactPowersOf10[power]
                                  : static_cast<double>(digits) / kExactPowersOf10[-power];
  out.d = negative ? -value : value;
  return p;
}

}  // namespace radarhub::protocol::json
