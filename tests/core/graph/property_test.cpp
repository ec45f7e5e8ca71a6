// Element properties: parsing from description text, coercion of typed (JSON-like)
// values, range and enum checks, and when a property may change.
#include "core/graph/property.hpp"

#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace property_test {

class prop_element : public element {
 public:
  using element::element;
};

std::unique_ptr<element_factory> prop_factory() {
  auto label = string_property("label", "A label without spaces", "none");
  label.validate = [](std::string_view s) -> std::string {
    return s.find(' ') == std::string_view::npos ? std::string() : "must not contain spaces";
  };
  auto last = string_property("last", "Read-only report", "");
  last.writable = false;
  auto f = make_factory<prop_element>(
      "proptest", "Property test", "Test", "Has one property of each kind", {},
      {int_property("level", "An integer", 10, 0, 100), double_property("gain", "A double", 1.0, 0.0, 2.0),
       bool_property("active", "A boolean", false), std::move(label),
       fraction_property("rate", "A fraction", {30, 1}, {1, 1}, {120, 1}),
       enum_property("pattern", "An enum", "smpte", {{0, "smpte", "Bars"}, {1, "ball", "Ball"}, {7, "snow", "Noise"}}),
       int_property("buffers", "Changeable up to READY", -1, -1, 1000, mutability::ready),
       int_property("paused-knob", "Changeable up to PAUSED", 0, 0, 10, mutability::paused), std::move(last)});
  f->registry = &test_runtime().registry();  // its elements stream on the test runtime
  return f;
}

class Property : public ::testing::Test {
 protected:
  std::unique_ptr<element_factory> factory_ = prop_factory();
  std::unique_ptr<element> e_ = factory_->create(*factory_, "e0");

  std::string error_of(std::string_view name, std::string_view text) {
    auto r = e_->set_property_from_string(name, text);
    return r ? std::string("(accepted)") : r.error().message;
  }
  std::string error_of_value(std::string_view name, const property_value& v) {
    auto r = e_->set_property(name, v);
    return r ? std::string("(accepted)") : r.error().message;
  }
  property_value get(std::string_view name) { return e_->get_property(name).value(); }
  void step_to(state s) {
    while (e_->current_state() < s)
      ASSERT_EQ(e_->set_state_step(static_cast<state>(static_cast<int>(e_->current_state()) + 1)),
                state_change::success);
  }
};

TEST_F(Property, EachTypeParsesFromDescriptionText) {
  ASSERT_TRUE(e_->set_property_from_string("level", "42"));
  EXPECT_EQ(get("level"), property_value{std::int64_t{42}});
  ASSERT_TRUE(e_->set_property_from_string("gain", "1.5"));
  EXPECT_EQ(get("gain"), property_value{1.5});
  ASSERT_TRUE(e_->set_property_from_string("active", "true"));
  EXPECT_EQ(get("active"), property_value{true});
  ASSERT_TRUE(e_->set_property_from_string("active", "no"));
  EXPECT_EQ(get("active"), property_value{false});
  ASSERT_TRUE(e_->set_property_from_string("label", "hello"));
  EXPECT_EQ(get("label"), property_value{std::string("hello")});
  ASSERT_TRUE(e_->set_property_from_string("rate", "25/2"));
  EXPECT_EQ(get("rate"), property_value{(fraction_value{25, 2})});
  ASSERT_TRUE(e_->set_property_from_string("rate", "60"));
  EXPECT_EQ(get("rate"), property_value{(fraction_value{60, 1})});
  ASSERT_TRUE(e_->set_property_from_string("pattern", "ball"));
  EXPECT_EQ(get("pattern"), property_value{(enum_value{1, "ball"})});
}

TEST_F(Property, IntegersMayBeWrittenInHexadecimalAsInGStreamer) {
  ASSERT_TRUE(e_->set_property_from_string("level", "0x40"));
  EXPECT_EQ(get("level"), property_value{std::int64_t{64}});
  ASSERT_TRUE(e_->set_property_from_string("level", "0X0a"));
  EXPECT_EQ(get("level"), property_value{std::int64_t{10}});
  EXPECT_EQ(error_of("level", "0x"), "e0: property \"level\" expects an integer in [0, 100], got \"0x\"");
  EXPECT_EQ(error_of("level", "0xZZ"), "e0: property \"level\" expects an integer in [0, 100], got \"0xZZ\"");
  EXPECT_EQ(error_of("level", "-0x1"), "e0: property \"level\" value -1 is out of range [0, 100]");
}

TEST_F(Property, DefaultsComeFromTheSpec) {
  EXPECT_EQ(get("level"), property_value{std::int64_t{10}});
  EXPECT_EQ(get("rate"), property_value{(fraction_value{30, 1})});
  EXPECT_EQ(get("pattern"), property_value{(enum_value{0, "smpte"})});
  EXPECT_EQ(get("name"), property_value{std::string("e0")});
}

TEST_F(Property, MalformedTextIsRefusedSayingWhatWasExpected) {
  EXPECT_EQ(error_of("level", "abc"), "e0: property \"level\" expects an integer in [0, 100], got \"abc\"");
  EXPECT_EQ(error_of("level", "4 2"), "e0: property \"level\" expects an integer in [0, 100], got \"4 2\"");
  EXPECT_EQ(error_of("gain", "loud"), "e0: property \"gain\" expects a number in [0, 2], got \"loud\"");
  EXPECT_EQ(error_of("active", "maybe"), "e0: property \"active\" expects true or false, got \"maybe\"");
  EXPECT_EQ(error_of("rate", "30/0"), "e0: property \"rate\" value 30/0 has a zero or negative denominator");
  EXPECT_EQ(error_of("rate", "x/1"), "e0: property \"rate\" expects a fraction like 30/1, got \"x/1\"");
  EXPECT_EQ(error_of("label", "two words"), "e0: property \"label\" must not contain spaces");
  // Nothing was stored by the refused writes.
  EXPECT_EQ(get("level"), property_value{std::int64_t{10}});
  EXPECT_EQ(get("label"), property_value{std::string("none")});
}

TEST_F(Property, RangeErrorsNameElementPropertyValueAndRange) {
  EXPECT_EQ(error_of("level", "101"), "e0: property \"level\" value 101 is out of range [0, 100]");
  EXPECT_EQ(error_of("level", "-1"), "e0: property \"level\" value -1 is out of range [0, 100]");
  EXPECT_EQ(error_of_value("gain", 2.5), "e0: property \"gain\" value 2.5 is out of range [0, 2]");
  EXPECT_EQ(error_of("gain", "nan"), "e0: property \"gain\" value nan is out of range [0, 2]");
  EXPECT_EQ(error_of("rate", "121/1"), "e0: property \"rate\" value 121/1 is out of range [1, 120] (as num/den)");
  EXPECT_EQ(error_of_value("rate", fraction_value{1, 2}),
            "e0: property \"rate\" value 1/2 is out of range [1, 120] (as num/den)");
  // The limits themselves are inside.
  EXPECT_TRUE(e_->set_property_from_string("level", "100"));
  EXPECT_TRUE(e_->set_property_from_string("level", "0"));
  auto r = e_->set_property_from_string("level", "101");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::invalid_argument);
}

TEST_F(Property, TypedValuesAreCoercedLikeJson) {
  ASSERT_TRUE(e_->set_property("level", 3.0));  // JSON numbers may arrive as doubles
  EXPECT_EQ(get("level"), property_value{std::int64_t{3}});
  ASSERT_TRUE(e_->set_property("gain", std::int64_t{2}));
  EXPECT_EQ(get("gain"), property_value{2.0});
  ASSERT_TRUE(e_->set_property("rate", std::int64_t{50}));
  EXPECT_EQ(get("rate"), property_value{(fraction_value{50, 1})});
  ASSERT_TRUE(e_->set_property("level", std::string("77")));  // a JSON string is parsed as text
  EXPECT_EQ(get("level"), property_value{std::int64_t{77}});
  ASSERT_TRUE(e_->set_property("active", true));
  EXPECT_EQ(get("active"), property_value{true});

  EXPECT_EQ(error_of_value("level", 3.5), "e0: property \"level\" expects a value of type int, got 3.5");
  EXPECT_EQ(error_of_value("active", std::int64_t{1}), "e0: property \"active\" expects a value of type bool, got 1");
  EXPECT_EQ(error_of_value("label", std::int64_t{5}), "e0: property \"label\" expects a value of type string, got 5");
  EXPECT_EQ(error_of_value("level", std::int64_t{500}), "e0: property \"level\" value 500 is out of range [0, 100]");
}

TEST_F(Property, EnumAcceptsNickOrNumberAndListsTheNicksOtherwise) {
  ASSERT_TRUE(e_->set_property_from_string("pattern", "snow"));
  EXPECT_EQ(get("pattern"), property_value{(enum_value{7, "snow"})});
  ASSERT_TRUE(e_->set_property_from_string("pattern", "1"));
  EXPECT_EQ(get("pattern"), property_value{(enum_value{1, "ball"})});
  ASSERT_TRUE(e_->set_property("pattern", std::int64_t{0}));
  EXPECT_EQ(get("pattern"), property_value{(enum_value{0, "smpte"})});
  ASSERT_TRUE(e_->set_property("pattern", enum_value{0, "snow"}));  // the nick decides
  EXPECT_EQ(get("pattern"), property_value{(enum_value{7, "snow"})});

  ASSERT_TRUE(e_->set_property_from_string("pattern", "SNOW"));  // any case, as the spec says
  EXPECT_EQ(get("pattern"), property_value{(enum_value{7, "snow"})});
  ASSERT_TRUE(e_->set_property_from_string("pattern", "Ball"));
  EXPECT_EQ(get("pattern"), property_value{(enum_value{1, "ball"})});

  EXPECT_EQ(error_of("pattern", "circle"), "e0: property \"pattern\" has no value \"circle\"; allowed: {smpte (0), ball (1), snow (7)}");
  EXPECT_EQ(error_of("pattern", "3"), "e0: property \"pattern\" has no value \"3\"; allowed: {smpte (0), ball (1), snow (7)}");
  EXPECT_EQ(error_of_value("pattern", std::int64_t{2}),
            "e0: property \"pattern\" has no value \"2\"; allowed: {smpte (0), ball (1), snow (7)}");
}

TEST_F(Property, ReadyOnlyPropertyIsRefusedInPlayingWithAClearMessage) {
  step_to(state::ready);
  ASSERT_TRUE(e_->set_property_from_string("buffers", "5"));
  step_to(state::playing);

  auto r = e_->set_property_from_string("buffers", "6");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::bad_state);
  EXPECT_EQ(r.error().message, "e0: property \"buffers\" cannot change in state playing (changeable up to ready)");
  EXPECT_EQ(get("buffers"), property_value{std::int64_t{5}});
  // A property mutable while playing still changes.
  EXPECT_TRUE(e_->set_property_from_string("level", "50"));
  EXPECT_EQ(error_of("paused-knob", "1"),
            "e0: property \"paused-knob\" cannot change in state playing (changeable up to paused)");
}

TEST_F(Property, PausedPropertyChangesInPausedButNotPlaying) {
  step_to(state::paused);
  EXPECT_TRUE(e_->set_property_from_string("paused-knob", "3"));
  EXPECT_EQ(error_of("buffers", "3"), "e0: property \"buffers\" cannot change in state paused (changeable up to ready)");
}

TEST_F(Property, ReadOnlyPropertyIsRefusedButReadable) {
  EXPECT_EQ(error_of("last", "x"), "e0: property \"last\" is read-only");
  EXPECT_EQ(error_of_value("last", std::string("x")), "e0: property \"last\" is read-only");
  EXPECT_EQ(get("last"), property_value{std::string("")});
}

TEST_F(Property, UnknownPropertyIsNamedWithTheFactory) {
  EXPECT_EQ(error_of("colour", "red"), "e0: no property \"colour\" (factory proptest)");
  EXPECT_EQ(error_of_value("colour", std::int64_t{1}), "e0: no property \"colour\" (factory proptest)");
  auto g = e_->get_property("colour");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error(), errc::not_found);
  EXPECT_EQ(g.error().message, "e0: no property \"colour\" (factory proptest)");
}

TEST_F(Property, NameIsConstructOnlyOnceInAPipeline) {
  pipeline p("p", test_runtime());
  element* e = p.add(factory_->create(*factory_, "")).value();
  EXPECT_EQ(e->name(), "proptest0");
  auto r = e->set_property("name", std::string("other"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "proptest0: property \"name\" cannot change in state null (changeable up to construct-only)");
}

TEST(PropertySpec, RangeTextShowsWhatIsAllowed) {
  EXPECT_EQ(int_property("a", "", 0, -5, 5).range_text(), "[-5, 5]");
  EXPECT_EQ(double_property("b", "", 0.5, 0.25, 1.5).range_text(), "[0.25, 1.5]");
  EXPECT_EQ(bool_property("c", "", true).range_text(), "{true, false}");
  EXPECT_EQ(string_property("d", "", "").range_text(), "");
}

}  // namespace property_test
}  // namespace tessera::core
