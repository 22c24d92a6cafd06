#include "radarhub/tracking/tracker.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

namespace radarhub::tracking {
namespace {

constexpr double kHzPerKmS = -1000.0 / 2.99792458;  // 100 MHz
constexpr int64_t kStartMs = 1767225600000;

// A target of constant bistatic range acceleration: what a node would report of it at t seconds.
struct Target {
  double range_km, rate_km_s, accel_km_s2 = 0;
  std::string hex;
  Detection At(double t, double snr = 15) const {
    return {.delay_km = range_km + rate_km_s * t + 0.5 * accel_km_s2 * t * t,
            .doppler_hz = kHzPerKmS * (rate_km_s + accel_km_s2 * t),
            .snr_db = snr,
            .adsb_hex = hex};
  }
};

Frame FrameAt(int k, std::vector<Detection> detections) {
  return {.timestamp_ms = kStartMs + 1000 * k, .detections = std::move(detections)};
}

const TrackState* Find(const std::vector<TrackState>& tracks, uint64_t id) {
  for (const auto& t : tracks) {
    if (t.track_id == id) return &t;
  }
  return nullptr;
}

std::vector<const TrackState*> Confirmed(const std::vector<TrackState>& tracks) {
  std::vector<const TrackState*> out;
  for (const auto& t : tracks) {
    if (t.status == TrackStatus::kConfirmed || t.status == TrackStatus::kCoasting) {
      out.push_back(&t);
    }
  }
  return out;
}

TEST(TrackerTest, ATargetIsConfirmedWithinFourFramesAndKeepsItsId) {
  MultiTargetTracker tracker;
  const Target target{60, -0.15};
  const FrameResult& first = tracker.Process(FrameAt(0, {target.At(0)}));
  ASSERT_EQ(first.tracks.size(), 1u);
  EXPECT_EQ(first.tracks[0].status, TrackStatus::kTentative);
  const uint64_t id = first.tracks[0].track_id;
  int confirmed_at = -1;
  for (int k = 1; k < 30; ++k) {
    const FrameResult& r = tracker.Process(FrameAt(k, {target.At(k)}));
    ASSERT_EQ(r.tracks.size(), 1u);
    EXPECT_EQ(r.tracks[0].track_id, id);
    if (confirmed_at < 0 && r.tracks[0].status == TrackStatus::kConfirmed) confirmed_at = k;
  }
  EXPECT_GE(confirmed_at, 2);
  EXPECT_LE(confirmed_at, 3);
  const TrackState t = tracker.Tracks().at(0);
  EXPECT_NEAR(t.delay_km, target.At(29).delay_km, 0.1);
  EXPECT_NEAR(t.doppler_hz, target.At(29).doppler_hz, 0.2);
  EXPECT_NEAR(t.delay_rate_km_s, -0.15, 0.002);
  EXPECT_EQ(t.hits, 30u);
  EXPECT_EQ(t.length, 30u);
}

// Each track publishes the detection it took: in the frame's result, and from Tracks() once the
// frame itself is gone; a frame it misses clears it.
TEST(TrackerTest, EachTrackPublishesTheDetectionItTook) {
  MultiTargetTracker tracker;
  const Target a{60, -0.15, 0, "abc123"};
  const Target b{120, 0.1};
  // The detection a published track took, as the target reported it.
  auto expect_took = [](const TrackState& t, const Detection& d) {
    ASSERT_TRUE(t.associated);
    EXPECT_EQ(t.detection.delay_km, d.delay_km);
    EXPECT_EQ(t.detection.doppler_hz, d.doppler_hz);
    EXPECT_EQ(t.detection.snr_db, d.snr_db);
    EXPECT_EQ(t.detection.adsb_hex, d.adsb_hex);
  };
  auto near = [](const std::vector<TrackState>& tracks, const Target& target) {
    for (const auto& t : tracks) {
      if (std::abs(t.delay_km - target.range_km) < 5) return &t;
    }
    return static_cast<const TrackState*>(nullptr);
  };
  for (int k = 0; k < 5; ++k) {
    // b first: its detection is not the frame's (or the tracker's) first for a.
    const Frame frame = FrameAt(k, {b.At(k, 12), a.At(k, 17.5)});
    const FrameResult& r = tracker.Process(frame);
    ASSERT_EQ(r.tracks.size(), 2u);
    ASSERT_NE(near(r.tracks, a), nullptr);
    ASSERT_NE(near(r.tracks, b), nullptr);
    expect_took(*near(r.tracks, a), frame.detections[1]);
    expect_took(*near(r.tracks, b), frame.detections[0]);
  }
  const std::vector<TrackState> after = tracker.Tracks();
  ASSERT_EQ(after.size(), 2u);
  expect_took(*near(after, a), a.At(4, 17.5));
  expect_took(*near(after, b), b.At(4, 12));

  const FrameResult& missed = tracker.Process(FrameAt(5, {a.At(5, 17.5)}));
  ASSERT_EQ(missed.tracks.size(), 2u);
  expect_took(*near(missed.tracks, a), a.At(5, 17.5));
  EXPECT_FALSE(near(missed.tracks, b)->associated);
}

TEST(TrackerTest, AMissedFrameCoastsAndTooManyMissesDelete) {
  TrackerSettings settings;
  settings.max_misses = 4;
  MultiTargetTracker tracker(settings);
  const Target target{60, 0.1};
  for (int k = 0; k < 10; ++k) tracker.Process(FrameAt(k, {target.At(k)}));
  const uint64_t id = tracker.Tracks().at(0).track_id;
  const FrameResult& miss = tracker.Process(FrameAt(10, {}));
  ASSERT_EQ(miss.tracks.size(), 1u);
  EXPECT_EQ(miss.tracks[0].status, TrackStatus::kCoasting);
  EXPECT_EQ(miss.tracks[0].misses, 1u);
  EXPECT_FALSE(miss.tracks[0].associated);
  const FrameResult& back = tracker.Process(FrameAt(11, {target.At(11)}));
  EXPECT_EQ(back.tracks.at(0).status, TrackStatus::kConfirmed);
  EXPECT_EQ(back.tracks.at(0).track_id, id);
  for (int k = 12; k < 15; ++k) {
    EXPECT_TRUE(tracker.Process(FrameAt(k, {})).deleted.empty()) << k;
  }
  const FrameResult& gone = tracker.Process(FrameAt(15, {}));
  ASSERT_EQ(gone.deleted.size(), 1u);
  EXPECT_EQ(gone.deleted[0].track_id, id);
  EXPECT_EQ(gone.deleted[0].status, TrackStatus::kDeleted);
  EXPECT_TRUE(gone.tracks.empty());
}

// 20 false alarms per frame for an hour: uniform clutter has no motion that agrees with its own
// Doppler, so the score never builds up (the reference confirms ~1,450 such tracks an hour).
TEST(TrackerTest, UniformClutterConfirmsAlmostNothing) {
  MultiTargetTracker tracker;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> delay(0, 150), doppler(-200, 200), snr(4, 12);
  std::poisson_distribution<int> count(20);
  std::set<uint64_t> confirmed;
  for (int k = 0; k < 3600; ++k) {
    std::vector<Detection> ds;
    for (int n = count(rng); n > 0; --n) ds.push_back({delay(rng), doppler(rng), snr(rng), ""});
    for (const TrackState* t : Confirmed(tracker.Process(FrameAt(k, std::move(ds))).tracks)) {
      confirmed.insert(t->track_id);
    }
  }
  EXPECT_LE(confirmed.size(), 5u);
  EXPECT_NEAR(tracker.clutter_density(), 20.0 / (150 * 400), 0.3 * 20.0 / (150 * 400));
}

// Detections whose delay runs away from what their Doppler says (1 km/s apart: 330 Hz) are not
// a target, however regularly they come.
TEST(TrackerTest, DelayThatContradictsDopplerIsNeverConfirmed) {
  MultiTargetTracker tracker;
  for (int k = 0; k < 20; ++k) {
    const Detection d{.delay_km = 50 + 1.0 * k, .doppler_hz = 50, .snr_db = 15};
    EXPECT_TRUE(Confirmed(tracker.Process(FrameAt(k, {d})).tracks).empty()) << k;
  }
}

// Through the zero-Doppler notch a target is not detected: its track coasts without losing
// score for it and picks the target up on the other side with the same id.
TEST(TrackerTest, TrackCoastsThroughTheZeroDopplerNotch) {
  TrackerSettings settings;
  settings.max_misses = 2;  // would delete after two ordinary misses
  MultiTargetTracker tracker(settings);
  // Doppler from +6 Hz falling 0.5 Hz/s: |f| < 1 Hz for about 4 frames.
  const Target target{70, 6 / kHzPerKmS, -0.5 / kHzPerKmS};
  uint64_t id = 0;
  for (int k = 0; k < 30; ++k) {
    const Detection d = target.At(k);
    std::vector<Detection> ds;
    if (std::abs(d.doppler_hz) >= 1.0) ds.push_back(d);
    const FrameResult& r = tracker.Process(FrameAt(k, std::move(ds)));
    if (k == 6) {
      ASSERT_EQ(Confirmed(r.tracks).size(), 1u);
      id = Confirmed(r.tracks)[0]->track_id;
    }
    if (k > 6) {
      ASSERT_EQ(Confirmed(r.tracks).size(), 1u) << k;
      EXPECT_EQ(Confirmed(r.tracks)[0]->track_id, id) << k;
    }
  }
}

// Two targets at the same delay and Doppler at t = 10 s, with different Doppler rates: each
// track keeps its own target through the crossing.
TEST(TrackerTest, CrossingTargetsKeepTheirTracks) {
  MultiTargetTracker tracker;
  // At 60 km and -0.1 km/s when t = 10 s, with range accelerations of +-6 m/s^2 (2 Hz/s).
  auto crossing = [](double accel) {
    const double rate0 = -0.1 - accel * 10;
    return Target{60 - rate0 * 10 - 0.5 * accel * 100, rate0, accel};
  };
  const Target a = crossing(0.006), b = crossing(-0.006);
  ASSERT_NEAR(a.At(10).delay_km, b.At(10).delay_km, 1e-9);
  ASSERT_NEAR(a.At(10).doppler_hz, b.At(10).doppler_hz, 1e-9);
  uint64_t id_a = 0, id_b = 0;
  for (int k = 0; k < 25; ++k) {
    const FrameResult& r = tracker.Process(FrameAt(k, {a.At(k), b.At(k)}));
    if (k == 5) {
      for (const TrackState* t : Confirmed(r.tracks)) {
        (std::abs(t->doppler_hz - a.At(k).doppler_hz) < 2 ? id_a : id_b) = t->track_id;
      }
      ASSERT_NE(id_a, 0u);
      ASSERT_NE(id_b, 0u);
    }
  }
  const auto tracks = tracker.Tracks();
  ASSERT_NE(Find(tracks, id_a), nullptr);
  ASSERT_NE(Find(tracks, id_b), nullptr);
  EXPECT_NEAR(Find(tracks, id_a)->doppler_hz, a.At(24).doppler_hz, 1.0);
  EXPECT_NEAR(Find(tracks, id_b)->doppler_hz, b.At(24).doppler_hz, 1.0);
}

TEST(TrackerTest, AdsbLabelsOneLiveTrackPerHexAndSwitchesOnlyOnRepeatedEvidence) {
  MultiTargetTracker tracker;
  Target a{40, 0.1, 0, "abc123"};
  const Target b{100, -0.1};
  uint64_t id_a = 0;
  for (int k = 0; k < 6; ++k) {
    const FrameResult& r = tracker.Process(FrameAt(k, {a.At(k), b.At(k)}));
    id_a = r.tracks.at(0).track_id;
    EXPECT_EQ(r.tracks.at(0).adsb_hex, "abc123");
    EXPECT_EQ(r.tracks.at(1).adsb_hex, "");
  }
  // One detection of track a matched to another aircraft does not relabel it; two do.
  a.hex = "def456";
  EXPECT_EQ(Find(tracker.Process(FrameAt(6, {a.At(6), b.At(6)})).tracks, id_a)->adsb_hex, "abc123");
  EXPECT_EQ(Find(tracker.Process(FrameAt(7, {a.At(7), b.At(7)})).tracks, id_a)->adsb_hex, "def456");
  // The hex now shows up on b's detections: b's track takes it, a's track loses it.
  Target b2 = b;
  b2.hex = "def456";
  a.hex = "";
  const FrameResult& r = tracker.Process(FrameAt(8, {a.At(8), b2.At(8)}));
  int labelled = 0;
  for (const auto& t : r.tracks) labelled += t.adsb_hex == "def456" ? 1 : 0;
  EXPECT_EQ(labelled, 1);
  EXPECT_EQ(Find(r.tracks, id_a)->adsb_hex, "");
}

// The clutter area is where the clutter density is learnt, not a limit on targets.
TEST(TrackerTest, ATargetBeyondTheClutterAreaIsTracked) {
  MultiTargetTracker tracker;
  const Target far{180, 0.1};
  for (int k = 0; k < 6; ++k) tracker.Process(FrameAt(k, {far.At(k)}));
  const auto tracks = tracker.Tracks();
  ASSERT_EQ(tracks.size(), 1u);
  EXPECT_EQ(tracks[0].status, TrackStatus::kConfirmed);
  EXPECT_EQ(tracks[0].hits, 6u);
}

// A recording with a gap longer than max_coast: the old track ends before the next frame is
// associated, as the service's ticks would have ended it (a replay never ticks).
TEST(TrackerTest, AGapLongerThanMaxCoastEndsTracksEvenWithoutTicks) {
  TrackerSettings settings;
  settings.max_coast_s = 20;
  MultiTargetTracker tracker(settings);
  const Target target{60, 0.0};  // stays put: it would re-associate after any gap
  for (int k = 0; k < 10; ++k) tracker.Process(FrameAt(k, {target.At(k)}));
  const uint64_t id = tracker.Tracks().at(0).track_id;
  const FrameResult& after = tracker.Process(FrameAt(40, {target.At(40)}));
  ASSERT_EQ(after.deleted.size(), 1u);
  EXPECT_EQ(after.deleted[0].track_id, id);
  ASSERT_EQ(after.tracks.size(), 1u);
  EXPECT_NE(after.tracks[0].track_id, id);
  EXPECT_EQ(after.tracks[0].status, TrackStatus::kTentative);
}

// A stray detection matched to a labelled aircraft, far from its track, starts a tentative track
// but does not take the label from the confirmed one.
TEST(TrackerTest, ATentativeTrackNeverTakesAConfirmedTracksHex) {
  MultiTargetTracker tracker;
  const Target a{40, 0.1, 0, "abc123"};
  for (int k = 0; k < 6; ++k) tracker.Process(FrameAt(k, {a.At(k)}));
  const uint64_t id = tracker.Tracks().at(0).track_id;
  Detection stray = a.At(6);
  stray.delay_km += 50;
  const FrameResult& r = tracker.Process(FrameAt(6, {a.At(6), stray}));
  ASSERT_EQ(r.tracks.size(), 2u);
  EXPECT_EQ(Find(r.tracks, id)->adsb_hex, "abc123");
  for (const auto& t : r.tracks) {
    if (t.track_id != id) {
      EXPECT_EQ(t.adsb_hex, "");
    }
  }
}

TEST(TrackerTest, AFrameFromThePastIsIgnored) {
  MultiTargetTracker tracker;
  const Target target{60, -0.15};
  for (int k = 0; k < 5; ++k) tracker.Process(FrameAt(k, {target.At(k)}));
  const FrameResult& old = tracker.Process(FrameAt(3, {target.At(3)}));
  EXPECT_FALSE(old.processed);
  EXPECT_TRUE(old.tracks.empty());
  EXPECT_TRUE(tracker.Process(FrameAt(5, {target.At(5)})).processed);
  EXPECT_EQ(tracker.Tracks().at(0).hits, 6u);
}

TEST(TrackerTest, WhenFramesStopTicksCoastThenDeleteTracks) {
  TrackerSettings settings;
  settings.max_coast_s = 5;
  MultiTargetTracker tracker(settings);
  const Target target{60, -0.15};
  for (int k = 0; k < 10; ++k) tracker.Process(FrameAt(k, {target.At(k)}));
  const int64_t last = kStartMs + 9000;
  EXPECT_FALSE(tracker.Tick(last + 1000).processed);  // a frame is not late yet
  const FrameResult& late = tracker.Tick(last + 2000);
  ASSERT_TRUE(late.processed);
  ASSERT_EQ(late.tracks.size(), 1u);
  EXPECT_EQ(late.tracks[0].status, TrackStatus::kCoasting);
  EXPECT_FALSE(tracker.Tick(last + 3000).processed);  // nothing changed
  const FrameResult& gone = tracker.Tick(last + 5001);
  ASSERT_EQ(gone.deleted.size(), 1u);
  EXPECT_TRUE(tracker.Tracks().empty());
}

TEST(TrackerTest, NoTickBeforeTickQuietMsChangesAnything) {
  MultiTargetTracker tracker;
  const Target target{60, -0.15};
  for (int k = 0; k < 10; ++k) tracker.Process(FrameAt(k, {target.At(k)}));
  const int64_t last = kStartMs + 9000;
  ASSERT_EQ(tracker.TickQuietMs(), 1500);  // frames 1 s apart
  EXPECT_FALSE(tracker.Tick(last + tracker.TickQuietMs() - 1).processed);
  const FrameResult& late = tracker.Tick(last + tracker.TickQuietMs());
  ASSERT_TRUE(late.processed);
  EXPECT_EQ(late.tracks.at(0).status, TrackStatus::kCoasting);
}

TEST(TrackerTest, WeakAndOutOfRangeDetectionsAreIgnored) {
  MultiTargetTracker tracker;
  const FrameResult& r = tracker.Process(FrameAt(
      0, {{50, 10, 3.9, ""}, {50, 5000, 20, ""}, {std::nan(""), 10, 20, ""}, {60, 10, 4.0, ""}}));
  ASSERT_EQ(r.tracks.size(), 1u);
  EXPECT_DOUBLE_EQ(r.tracks[0].delay_km, 60);
}

}  // namespace
}  // namespace radarhub::tracking
