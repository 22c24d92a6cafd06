#include "radarhub/protocol/parser.hpp"

#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../../support/parser_agreement.hpp"

namespace radarhub::protocol {
namespace {

class ParserTest : public ::testing::Test {
 protected:
  Reject Parse(std::string line) {
    line_ = std::move(line);
    line_.append(kLinePadding, '\n');  // the padding the framer provides after every line
    return parser_.Parse(line_.data(), line_.size() - kLinePadding, message_);
  }

  Parser parser_{ParseLimits{.max_detections = 4, .max_depth = 8, .max_advertisement_bytes = 256}};
  Message message_;
  std::string line_;
};

constexpr const char* kFrame =
    R"({"node_id":"radar3","token":"secret","timestamp":1768932172478,"delay":[40.46],)"
    R"("doppler":[-27.99],"snr":[12.08],"adsb":[null]})";

TEST_F(ParserTest, AcceptsTheProtocolExample) {
  ASSERT_EQ(Parse(kFrame), Reject::kNone);
  EXPECT_EQ(message_.type, MessageType::kFrame);
  EXPECT_EQ(message_.node_id, "radar3");
  EXPECT_TRUE(message_.has_token);
  EXPECT_EQ(message_.token, "secret");
  EXPECT_EQ(message_.timestamp_ms, 1768932172478);
  ASSERT_EQ(message_.count, 1u);
  EXPECT_DOUBLE_EQ(message_.delay[0], 40.46);
  EXPECT_DOUBLE_EQ(message_.doppler[0], -27.99);
  EXPECT_DOUBLE_EQ(message_.snr[0], 12.08);
  ASSERT_NE(message_.adsb, nullptr);
  EXPECT_FALSE(message_.adsb[0].is_object);
}

TEST_F(ParserTest, TypeDetectionIsAFrame) {
  ASSERT_EQ(Parse(R"({"node_id":"a","type":"detection","timestamp":5})"), Reject::kNone);
  EXPECT_EQ(message_.type, MessageType::kFrame);
  EXPECT_EQ(message_.count, 0u) << "all three arrays absent: a frame with no detections";
}

TEST_F(ParserTest, EmptyArraysAreAFrameWithNoDetections) {
  ASSERT_EQ(Parse(R"({"node_id":"a","timestamp":5,"delay":[],"doppler":[],"snr":[]})"),
            Reject::kNone);
  EXPECT_EQ(message_.count, 0u);
}

TEST_F(ParserTest, UnknownFieldsAreIgnored) {
  EXPECT_EQ(Parse(R"({"node_id":"a","timestamp":5,"future":{"x":[1,2]},"v":2})"), Reject::kNone);
}

TEST_F(ParserTest, HeartbeatKeepsItsExtraFieldsAsAdvertisement) {
  ASSERT_EQ(Parse(R"({"node_id":"radar3","token":"t","type":"heartbeat","status":"ok",)"
                  R"("capabilities":["adsb"],"version":2})"),
            Reject::kNone);
  EXPECT_EQ(message_.type, MessageType::kHeartbeat);
  google::protobuf::Struct advertised;
  ASSERT_TRUE(advertised.ParseFromString(std::string(message_.advertisement)));
  EXPECT_EQ(advertised.fields().size(), 3u) << "node_id, token and type are not advertised";
  EXPECT_EQ(advertised.fields().at("status").string_value(), "ok");
  EXPECT_EQ(advertised.fields().at("capabilities").list_value().values(0).string_value(), "adsb");
  EXPECT_EQ(advertised.fields().at("version").number_value(), 2);
}

TEST_F(ParserTest, OversizedAdvertisementIsNotKept) {
  ASSERT_EQ(Parse(R"({"node_id":"a","type":"heartbeat","blob":")" + std::string(300, 'x') + "\"}"),
            Reject::kNone);
  EXPECT_EQ(message_.type, MessageType::kHeartbeat);
  EXPECT_TRUE(message_.advertisement_too_large);
  EXPECT_TRUE(message_.advertisement.empty());
}

TEST_F(ParserTest, UnknownTypeIsReportedNotRejected) {
  ASSERT_EQ(Parse(R"({"node_id":"a","type":"calibration"})"), Reject::kNone);
  EXPECT_EQ(message_.type, MessageType::kUnknown);
  EXPECT_EQ(message_.type_name, "calibration");
}

// One row per bad input of protocol.md that the parser decides.
struct BadLine {
  const char* name;
  std::string line;
  Reject reason;
  friend void PrintTo(const BadLine& b, std::ostream* os) { *os << b.name; }
};

class ParserBadInputTest : public ParserTest, public ::testing::WithParamInterface<BadLine> {};

TEST_P(ParserBadInputTest, IsRejectedWithItsReason) {
  EXPECT_EQ(Parse(GetParam().line), GetParam().reason) << GetParam().line;
}

const BadLine kBadLines[] = {
    {"NotJson", "hello there", Reject::kInvalidJson},
    {"TruncatedJson", R"({"node_id":"a","timestamp":)", Reject::kInvalidJson},
    {"TrailingGarbage", R"({"node_id":"a","timestamp":5} x)", Reject::kInvalidJson},
    {"TwoObjects", R"({"node_id":"a","timestamp":5}{"node_id":"a"})", Reject::kInvalidJson},
    {"EmbeddedNul", std::string(R"({"node_id":"a","timestamp":5})") + '\0' + "junk",
     Reject::kInvalidJson},
    {"InvalidUtf8InString", "{\"node_id\":\"a\",\"timestamp\":5,\"x\":\"\xC3\x28\"}",
     Reject::kInvalidJson},
    {"OverlongUtf8", "{\"node_id\":\"a\",\"timestamp\":5,\"x\":\"\xC0\xAF\"}",
     Reject::kInvalidJson},
    {"DeepNesting", R"({"node_id":"a","timestamp":5,"x":[[[[[[[[[[1]]]]]]]]]]})",
     Reject::kInvalidJson},
    {"DeepNestingInAdsb",
     R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[1],)"
     R"("adsb":[{"a":{"b":{"c":{"d":{"e":{"f":{"g":{}}}}}}}}]})",
     Reject::kInvalidJson},
    {"ArrayNotObject", R"([1,2,3])", Reject::kNotObject},
    {"StringNotObject", R"("radar")", Reject::kNotObject},
    {"NumberNotObject", "42", Reject::kNotObject},
    {"MissingNodeId", R"({"token":"t","timestamp":5})", Reject::kMissingField},
    {"MissingTimestamp", R"({"node_id":"a","delay":[],"doppler":[],"snr":[]})",
     Reject::kMissingField},
    {"OnlyDelay", R"({"node_id":"a","timestamp":5,"delay":[1]})", Reject::kMissingField},
    {"DelayAndSnrOnly", R"({"node_id":"a","timestamp":5,"delay":[1],"snr":[1]})",
     Reject::kMissingField},
    {"NodeIdNotString", R"({"node_id":3,"timestamp":5})", Reject::kWrongType},
    {"NodeIdEmpty", R"({"node_id":"","timestamp":5})", Reject::kWrongType},
    {"NodeIdBadChars", R"({"node_id":"radar 3","timestamp":5})", Reject::kWrongType},
    {"NodeIdTooLong", R"({"node_id":")" + std::string(65, 'a') + R"(","timestamp":5})",
     Reject::kWrongType},
    {"TokenNotString", R"({"node_id":"a","token":1,"timestamp":5})", Reject::kWrongType},
    {"TypeNotString", R"({"node_id":"a","type":1,"timestamp":5})", Reject::kWrongType},
    {"TimestampString", R"({"node_id":"a","timestamp":"5"})", Reject::kWrongType},
    {"TimestampFraction", R"({"node_id":"a","timestamp":5.5})", Reject::kWrongType},
    {"DelayNotArray", R"({"node_id":"a","timestamp":5,"delay":1,"doppler":[1],"snr":[1]})",
     Reject::kWrongType},
    {"DelayElementString", R"({"node_id":"a","timestamp":5,"delay":["1"],"doppler":[1],"snr":[1]})",
     Reject::kWrongType},
    {"SnrElementNull", R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[null]})",
     Reject::kWrongType},
    {"AdsbNotArray",
     R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[1],"adsb":{}})",
     Reject::kWrongType},
    {"AdsbEntryNumber",
     R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[1],"adsb":[3]})",
     Reject::kWrongType},
    {"LengthMismatch", R"({"node_id":"a","timestamp":5,"delay":[1,2],"doppler":[1],"snr":[1]})",
     Reject::kLengthMismatch},
    {"AdsbLengthMismatch",
     R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[1],"adsb":[null,null]})",
     Reject::kLengthMismatch},
    {"TooManyDetections",
     R"({"node_id":"a","timestamp":5,"delay":[1,2,3,4,5],"doppler":[1,2,3,4,5],)"
     R"("snr":[1,2,3,4,5]})",
     Reject::kTooManyDetections},
    {"NaNDelay", R"({"node_id":"a","timestamp":5,"delay":[NaN],"doppler":[1],"snr":[1]})",
     Reject::kNonFinite},
    {"InfinityDoppler",
     R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[-Infinity],"snr":[1]})",
     Reject::kNonFinite},
    {"OverflowingNumber",
     R"({"node_id":"a","timestamp":5,"delay":[1e400],"doppler":[1],"snr":[1]})",
     Reject::kNonFinite},
    {"NaNInsideAdsb",
     R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[1],"adsb":[{"alt":NaN}]})",
     Reject::kNonFinite},
    {"ZeroTimestamp", R"({"node_id":"a","timestamp":0})", Reject::kBadTimestamp},
    {"NegativeTimestamp", R"({"node_id":"a","timestamp":-1})", Reject::kBadTimestamp},
    {"TimestampAt2To53", R"({"node_id":"a","timestamp":9007199254740992})", Reject::kBadTimestamp},
    {"TimestampBeyondInt64", R"({"node_id":"a","timestamp":18446744073709551615})",
     Reject::kBadTimestamp},
};

INSTANTIATE_TEST_SUITE_P(Rows, ParserBadInputTest, ::testing::ValuesIn(kBadLines),
                         [](const auto& row) { return std::string(row.param.name); });

TEST_F(ParserTest, RejectedLineStillNamesItsNode) {
  ASSERT_EQ(Parse(R"({"node_id":"radar9","timestamp":"x"})"), Reject::kWrongType);
  EXPECT_TRUE(message_.has_node_id);
  EXPECT_EQ(message_.node_id, "radar9");
}

// Found by the fuzzer: RapidJSON validates a 4-byte UTF-8 lead by reading three more bytes, past
// the line's NUL. In an exactly padded heap buffer ASan would see any read beyond the padding.
TEST_F(ParserTest, TruncatedMultibyteSequenceAtLineEndStaysInsideThePadding) {
  for (const std::string line : {"{\"nor\xF0",
                                 "{\"nor\xF0"
                                 "1",
                                 "{\"x\":\"\xE2", "\"\xF4\x80"}) {
    std::unique_ptr<char[]> buffer(new char[line.size() + kLinePadding]);
    std::copy(line.begin(), line.end(), buffer.get());
    Message m;
    EXPECT_EQ(parser_.Parse(buffer.get(), line.size(), m), Reject::kInvalidJson);
  }
}

// Found by the fuzzer: RapidJSON's own full-precision conversion has undefined behaviour here.
TEST_F(ParserTest, UnderflowingNumbersBecomeZero) {
  ASSERT_EQ(Parse(R"({"node_id":"a","timestamp":5,"delay":[3e-325,-1e-400,4.9e-324],)"
                  R"("doppler":[1,2,3],"snr":[1,2,3]})"),
            Reject::kNone);
  EXPECT_EQ(message_.delay[0], 0.0);
  EXPECT_EQ(message_.delay[1], -0.0);
  EXPECT_EQ(message_.delay[2], 4.9e-324) << "the smallest subnormal survives";
}

// Found by review: an underflow written without a negative exponent was taken for an overflow.
TEST_F(ParserTest, UnderflowWithoutANegativeExponentIsZeroNotInfinity) {
  const std::string zeros(400, '0');
  ASSERT_EQ(Parse(R"({"node_id":"a","timestamp":5,"delay":[0.)" + zeros + "1,-0." + zeros +
                  R"(1e5],"doppler":[1,2],"snr":[1,2]})"),
            Reject::kNone);
  EXPECT_EQ(std::bit_cast<uint64_t>(message_.delay[0]), std::bit_cast<uint64_t>(0.0));
  EXPECT_EQ(std::bit_cast<uint64_t>(message_.delay[1]), std::bit_cast<uint64_t>(-0.0));
  EXPECT_EQ(Parse(R"({"node_id":"a","timestamp":5,"delay":[1)" + std::string(300, '0') +
                  R"(.5e10],"doppler":[1],"snr":[1]})"),
            Reject::kNonFinite);
}

TEST_F(ParserTest, NumbersAreCorrectlyRounded) {
  ASSERT_EQ(
      Parse(R"({"node_id":"a","timestamp":5,"delay":[0.30000000000000004,)"
            R"(2.2250738585072011e-308,1.7976931348623157e308],"doppler":[1,2,3],"snr":[1,2,3]})"),
      Reject::kNone);
  EXPECT_EQ(message_.delay[0], 0.1 + 0.2);
  EXPECT_EQ(message_.delay[1], 2.2250738585072011e-308);
  EXPECT_EQ(message_.delay[2], 1.7976931348623157e308);
}

// Short numbers take a fast path; it must give exactly what the general conversion gives.
TEST_F(ParserTest, EveryNumberIsTheNearestDouble) {
  std::mt19937_64 random(7);
  const char* const shapes[] = {"%.*f", "%.*e", "%.*g"};
  for (int round = 0; round < 2000; ++round) {
    std::string delay;
    std::vector<std::string> texts;
    for (int k = 0; k < 4; ++k) {
      const double magnitude = std::pow(10.0, static_cast<int>(random() % 60) - 30);
      const double value = (static_cast<double>(random() % 2000001) - 1e6) * 1e-6 * magnitude;
      char text[64];
      std::snprintf(text, sizeof text, shapes[random() % 3], static_cast<int>(random() % 19),
                    value);
      texts.emplace_back(text);
      delay += (k ? "," : "") + texts.back();
    }
    ASSERT_EQ(Parse(R"({"node_id":"a","timestamp":5,"delay":[)" + delay +
                    R"(],"doppler":[1,2,3,4],"snr":[1,2,3,4]})"),
              Reject::kNone)
        << delay;
    for (size_t k = 0; k < texts.size(); ++k) {
      const char* first = texts[k].data();
      const char* last = first + texts[k].size();
      double expected = 0;
      int64_t integer = 0;
      const auto parsed = std::from_chars(first, last, integer);
      if (parsed.ec == std::errc() && parsed.ptr == last)
        expected = static_cast<double>(integer);  // an integer stays one: "-0" is 0
      else
        std::from_chars(first, last, expected);
      EXPECT_EQ(std::bit_cast<uint64_t>(message_.delay[k]), std::bit_cast<uint64_t>(expected))
          << texts[k];
    }
  }
}

// Lines of ASCII skip UTF-8 validation; any other line is validated (the bad-input table has the
// invalid ones).
TEST_F(ParserTest, ValidUtf8IsAcceptedAndKeptByteForByte) {
  ASSERT_EQ(
      Parse("{\"node_id\":\"a\",\"timestamp\":5,\"site\":\"Z\xC3\xBCrich \xF0\x9F\x93\xA1\"}"),
      Reject::kNone);
  ASSERT_EQ(
      Parse(
          "{\"node_id\":\"a\",\"token\":\"t\",\"type\":\"heartbeat\",\"site\":\"Z\xC3\xBCrich\"}"),
      Reject::kNone);
  google::protobuf::Struct advertisement;
  ASSERT_TRUE(advertisement.ParseFromString(std::string(message_.advertisement)));
  EXPECT_EQ(advertisement.fields().at("site").string_value(), "Z\xC3\xBCrich");
}

// The ASCII check reads the line eight bytes at a time, then the tail byte by byte: a bad byte
// must be seen wherever it falls.
TEST_F(ParserTest, InvalidUtf8IsFoundAtEveryOffset) {
  for (int pad = 0; pad < 16; ++pad) {
    const std::string line = R"({"node_id":"a","timestamp":5,"x":")" + std::string(pad, 'x') +
                             "\xC3\x28" + std::string(15 - pad, 'y') + "\"}";
    EXPECT_EQ(Parse(line), Reject::kInvalidJson) << "pad " << pad;
  }
}

TEST_F(ParserTest, HugeExponentsSaturate) {
  ASSERT_EQ(
      Parse(R"({"node_id":"a","timestamp":5,"delay":[1e-99999999999,-2E-00000000000000000000001],)"
            R"("doppler":[1,2],"snr":[1,2]})"),
      Reject::kNone);
  EXPECT_EQ(message_.delay[0], 0.0);
  EXPECT_EQ(message_.delay[1], -0.2);
}

TEST_F(ParserTest, IntegersKeepTheirKindAtEveryLength) {
  EXPECT_EQ(Parse(R"({"node_id":"a","timestamp":999999999999999})"), Reject::kNone);
  EXPECT_EQ(message_.timestamp_ms, 999999999999999);
  EXPECT_EQ(Parse(R"({"node_id":"a","timestamp":9007199254740993})"), Reject::kBadTimestamp)
      << "16 digits: the general path, still an integer";
  EXPECT_EQ(Parse(R"({"node_id":"a","timestamp":-0})"), Reject::kBadTimestamp);
  EXPECT_EQ(Parse(R"({"node_id":"a","timestamp":5e0})"), Reject::kWrongType);
  EXPECT_EQ(Parse(R"({"node_id":"a","timestamp":0.000000000000000000000000000001e30})"),
            Reject::kWrongType);
}

TEST_F(ParserTest, LargestValidTimestampAccepted) {
  EXPECT_EQ(Parse(R"({"node_id":"a","timestamp":9007199254740991})"), Reject::kNone);
}

TEST_F(ParserTest, ParserIsReusableAfterRejections) {
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(Parse("{bad"), Reject::kInvalidJson);
    ASSERT_EQ(Parse(kFrame), Reject::kNone);
  }
  EXPECT_EQ(message_.node_id, "radar3");
}

TEST_F(ParserTest, HugeFlatArrayIsParsedWithoutDepthProblems) {
  Parser parser(ParseLimits{.max_detections = 100000});
  std::string nums;
  for (int i = 0; i < 50000; ++i) nums += (i ? ",1.5" : "1.5");
  std::string line = R"({"node_id":"a","timestamp":5,"delay":[)" + nums + R"(],"doppler":[)" +
                     nums + R"(],"snr":[)" + nums + "]}" + std::string(kLinePadding, '\n');
  Message m;
  ASSERT_EQ(parser.Parse(line.data(), line.size() - kLinePadding, m), Reject::kNone);
  EXPECT_EQ(m.count, 50000u);
}

// The frame path takes what nodes send and must then give exactly what the reference path gives;
// everything it declines goes to the reference path. Tricky lines of both kinds, then random ones.
TEST(ParserPathsTest, FramePathAgreesWithTheReferencePath) {
  testing::ParserAgreement agreement(ParseLimits{.max_detections = 4, .max_depth = 8});
  const std::string frame_path_lines[] = {
      kFrame,
      R"({"node_id":"a","timestamp":5})",
      R"({"node_id":"a","type":"detection","timestamp":5,"delay":[],"doppler":[],"snr":[]})",
      R"( {"timestamp":5 , "node_id" : "a-b_c.d" ,"token":"","extra":{"x":[1,{"y":null}]}} )",
      R"({"node_id":"a","node_id":"b","timestamp":1,"timestamp":9007199254740991})",
      R"({"node_id":"a","timestamp":5,"delay":[-0,0,-0.0,1e-40],"doppler":[1E2,1e+2,0.1e1,)"
      R"(-1.5e-3],"snr":[18446744073709551615,-9223372036854775808,123456789012345678,)"
      R"(2.2250738585072011e-30]})",
      R"({"node_id":"a","timestamp":5,"delay":[1,2],"doppler":[3,4],"snr":[5,6],)"
      R"("adsb":[{"hex":"abc","alt":-0,"on_ground":true,"path":[1,"x",null,{"k":false}],)"
      R"("hex":"second"},{}],"adsb":[{"hex":1,"hex":"x"},{"a":{"b":{"c":{"d":{"e":{}}}}}}]})",
      R"({"node_id":"a","timestamp":5,"x":[[[[[[1]]]]]]})",    // depth 7
      R"({"node_id":"a","timestamp":5,"x":[[[[[[[]]]]]]]})",   // depth 8, innermost empty
      R"({"node_id":"a","timestamp":5,"x":[[[[[[[1]]]]]]]})",  // depth 8: the limit
      R"({"node_id":"a","timestamp":5,"x":[{"a":[{"b":[{}]}]}]})",
      R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[1],"adsb":null})",
      "{\"node_id\":\"a\",\"timestamp\":5}\r\t",  // JSON whitespace after the object
      "\n{ \"node_id\"\t:\r\"a\" , \"timestamp\" :5 ,\"delay\": [ 1 , 2 ] ,\"doppler\":[3,4],"
      "\"snr\":[5,6] , \"adsb\" : [ null , { \"k\" : [ true , false , null ] } ] }",
      // Numbers: integers past int64 and uint64, the longest and the largest exponents taken.
      R"({"node_id":"a","timestamp":5,"delay":[12345678901234567890123],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[-1234567890.1234567890123456e-99],"doppler":[1e99],)"
      R"("snr":[1E+99]})",
      // A repeated field counts last, whatever it was before.
      R"({"node_id":"a","timestamp":5,"delay":[1,2,3],"delay":[4],"doppler":[5],"snr":[6]})",
      R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[1],"adsb":[{}],)"
      R"("adsb":null})",
      R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[1],"adsb":null,)"
      R"("adsb":[{"hex":"x"}]})",
  };
  for (const std::string& line : frame_path_lines) {
    EXPECT_EQ(agreement.Compare(line), "") << line;
    EXPECT_EQ(agreement.last_path(), Parser::Path::kFrame) << line;
  }
  const std::string zeros(400, '0');
  const std::string reference_path_lines[] = {
      R"({"node_id":"a","timestamp":5,"x":[[[[[[[[1]]]]]]]]})",  // depth 9
      R"({"node_id":"a","timestamp":5,"x":[[[[[[[[]]]]]]]]})",   // depth 9, innermost empty
      R"({"node_id":"a","timestamp":5,"x":[[[[[[[{}]]]]]]]})",   // the same with an object
      R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[1],)"
      R"("adsb":[{"a":{"b":{"c":{"d":{"e":{"f":[[]]}}}}}}]})",  // too deep inside adsb
      // Finite numbers RapidJSON refuses as too big, and underflows written without "e-".
      R"({"node_id":"a","timestamp":5,"delay":[0e309],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[-0E363],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[1],)"
      R"("adsb":[{"alt":0.000e400}]})",
      R"({"node_id":"a","timestamp":5,"delay":[1)" + std::string(310, '0') +
          R"(e-300],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[1)" + std::string(310, '0') +
          R"(e-50],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[0.)" + zeros + R"(1],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[-0.)" + zeros + R"(1e5],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[1e100],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[1e-400,2.2250738585072011e-308],)"
      R"("doppler":[1,2],"snr":[1,2]})",
      R"({"node_id":"a\u0062","timestamp":5})",
      R"({"node_id":"a","timestamp":5,"x":"\ud800"})",
      R"({"node_id":"a","timestamp":5,"x":"\udc00\ud800"})",
      "{\"node_id\":\"a\",\"timestamp\":5,\"x\":\"\xC3\xA9\"}",
      "{\"node_id\":\"a\",\"timestamp\":5,\"x\":\"\xED\xA0\x80\"}",
      R"({"node_id":"a","timestamp":5,"delay":[NaN],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[1e400],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","type":"heartbeat","x":1})",
      R"({"node_id":"a","type":"other"})",
      R"({"node_id":"a","timestamp":5.0})",
      R"({"node_id":"a","timestamp":5,"delay":[1,2,3,4,5],"doppler":[1,2,3,4,5],"snr":[1,2,3,4,5]})",
      R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[1],"adsb":[]})",
      R"({"node_id":"a","timestamp":5,"x":"tab\there"})",
      std::string(R"({"node_id":"a","timestamp":5,"x":"a)") + '\t' + R"("})",
      std::string(R"({"node_id":"a","timestamp":5})") + '\0',
      "[]",
      "",
      "{}",
      R"({"node_id":"a","timestamp":5)",
      R"({"node_id":"a","timestamp":5}})",
      R"({"node_id":"a","timestamp":5,})",
      R"({"node_id":"a",,"timestamp":5})",
      R"({"node_id":"a" "timestamp":5})",
      R"({"node_id":"a","timestamp":5,"x"})",
      R"({"node_id":"a","timestamp":5,"x":[1,]})",
      R"({"node_id":"a","timestamp":5,"x":{"y"}})",
      R"({"node_id":"a","timestamp":5,"x":{1:2}})",
      R"({"node_id":"a","timestamp":5,"x":nul})",
      R"({"node_id":"a","timestamp":5,"x":nullx})",
      R"({"node_id":"a","timestamp":5,"x":True})",
      R"({"node_id":"a","timestamp":5,"x":'y'})",
      R"({"node_id":a,"timestamp":5})",
      R"({"node_id":"a","timestamp":5,"x":"unterminated})",
      // Numbers outside the grammar, and inside it but beyond what the frame path takes.
      R"({"node_id":"a","timestamp":05})",
      R"({"node_id":"a","timestamp":+5})",
      R"({"node_id":"a","timestamp":5,"delay":[-],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[1.],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[.5],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[1e],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[1e+],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[-01],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[0x10],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[1-2],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[1e100],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[1e-100],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[123456789012345678901234567890123],)"
      R"("doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":1e3})",
      R"({"node_id":"a","timestamp":9007199254740992})",
      R"({"node_id":"a","timestamp":18446744073709551616})",
      // Fields that relate to each other, checked once all are read.
      R"({"timestamp":5})",
      R"({"node_id":"a"})",
      R"({"node_id":"a b","timestamp":5})",
      R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1,2],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[1],"adsb":[null,null]})",
      R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[1],"adsb":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":[1],"doppler":[1],"snr":[1],"adsb":{}})",
      R"({"node_id":"a","timestamp":5,"delay":["1"],"doppler":[1],"snr":[1]})",
      R"({"node_id":"a","timestamp":5,"delay":1,"doppler":[1],"snr":[1]})",
      R"({"node_id":1,"timestamp":5})",
      R"({"node_id":"a","token":null,"timestamp":5})",
      R"({"node_id":"a","type":"detection","type":"heartbeat","timestamp":5})",
      R"({"node_id":"a","type":"heartbeat","type":"detection","timestamp":5})",
  };
  for (const std::string& line : reference_path_lines) {
    EXPECT_EQ(agreement.Compare(line), "") << line;
    EXPECT_EQ(agreement.last_path(), Parser::Path::kReference) << line;
  }

  // Random frames as nodes write them, and with one byte changed.
  std::mt19937_64 random(11);
  const std::string alphabet = "{}[],:\"0123456789.-+eE ntrufalsxyz\\";
  for (int round = 0; round < 3000; ++round) {
    const int n = static_cast<int>(random() % 5);
    std::string arrays[3];
    std::string adsb;
    for (int i = 0; i < n; ++i) {
      for (std::string& a : arrays) {
        char number[40];
        std::snprintf(number, sizeof number, random() % 4 ? "%.*g" : "%.*e",
                      static_cast<int>(random() % 18),
                      (static_cast<double>(random() % 2000001) - 1e6) *
                          std::pow(10.0, static_cast<int>(random() % 40) - 20));
        a += i ? "," : "";
        a += number;
      }
      adsb += i ? "," : "";
      adsb += random() % 3 ? "null" : R"({"hex":"4ca1","alt":3e4})";
    }
    std::string line = R"({"node_id":"n)" + std::to_string(round % 7) + R"(","timestamp":)" +
                       std::to_string(1 + random() % 100000) + R"(,"delay":[)" + arrays[0] +
                       R"(],"doppler":[)" + arrays[1] + R"(],"snr":[)" + arrays[2] + "]" +
                       (random() % 2 ? R"(,"adsb":[)" + adsb + "]" : "") + "}";
    ASSERT_EQ(agreement.Compare(line), "") << line;
    ASSERT_EQ(agreement.last_path(), Parser::Path::kFrame) << line;
    line[random() % line.size()] = alphabet[random() % alphabet.size()];
    ASSERT_EQ(agreement.Compare(line), "") << line;
  }
}

}  // namespace
}  // namespace radarhub::protocol
