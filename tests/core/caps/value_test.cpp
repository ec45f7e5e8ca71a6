#include "core/caps/value.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace tessera::core {
namespace value_test {

TEST(Value, ScalarsConvertImplicitlyAndReportTheirKind) {
  EXPECT_EQ(value(640).kind(), value_kind::integer);
  EXPECT_EQ(value(640).as_int(), 640);
  EXPECT_EQ(value(2.5).as_double(), 2.5);
  EXPECT_EQ(value(true).as_bool(), true);
  EXPECT_EQ(value("RGBA").as_string(), "RGBA");
  EXPECT_EQ(value(fraction(30)).as_fraction(), fraction(30));
  EXPECT_FALSE(value(640).as_double());
  EXPECT_FALSE(value("5").as_int());
  EXPECT_TRUE(value(1).is_fixed());
  EXPECT_EQ(kind_name(value_kind::fraction_range), "fraction range");
}

TEST(Value, RangeWithEqualBoundsIsTheFixedValue) {
  EXPECT_EQ(value::make_int_range(5, 5).value(), value(5));
  EXPECT_EQ(value::make_double_range(1.5, 1.5).value(), value(1.5));
  EXPECT_EQ(value::make_fraction_range(fraction(2), fraction(2)).value(), value(fraction(2)));
  auto r = value::make_int_range(1, 8192).value();
  EXPECT_FALSE(r.is_fixed());
  EXPECT_EQ(r.as_int_range(), (int_range{1, 8192, 1}));
}

TEST(Value, RangesRejectInvertedBoundsBadStepsAndNaN) {
  auto inverted = value::make_int_range(8, 1);
  ASSERT_FALSE(inverted);
  EXPECT_EQ(inverted.error().message, "int range [8,1] has min greater than max");
  EXPECT_FALSE(value::make_int_range(0, 10, 0));
  EXPECT_FALSE(value::make_int_range(0, 10, -2));
  auto misaligned = value::make_int_range(1, 9, 2);
  ASSERT_FALSE(misaligned);
  EXPECT_EQ(misaligned.error().message,
            "int range [1,9,2] has bounds that are not multiples of step 2");
  EXPECT_FALSE(value::make_double_range(std::nan(""), 1.0));
  EXPECT_FALSE(value::make_double_range(2.0, 1.0));
  EXPECT_FALSE(value::make_fraction_range(fraction(2), fraction(1)));
  EXPECT_TRUE(value::make_double_range(0.0, std::numeric_limits<double>::infinity()));
}

TEST(Value, ListsAreFlatDeduplicatedAndNeverSingleOrEmpty) {
  auto inner = value::make_list({1, 2}).value();
  auto flat = value::make_list({inner, 3, 2, 1}).value();
  ASSERT_EQ(flat.kind(), value_kind::list);
  ASSERT_EQ(flat.list_items().size(), 3u);
  EXPECT_EQ(flat.list_items()[0], value(1));
  EXPECT_EQ(flat.list_items()[1], value(2));
  EXPECT_EQ(flat.list_items()[2], value(3));
  EXPECT_EQ(value::make_list({"RGBA", "RGBA"}).value(), value("RGBA"));
  auto empty = value::make_list({});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message, "a list needs at least one value");
}

TEST(Value, ListsCompareAsSetsButKeepTheirOrder) {
  auto a = value::make_list({"RGB", "RGBA"}).value();
  auto b = value::make_list({"RGBA", "RGB"}).value();
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.list_items()[0], value("RGB"));
  EXPECT_EQ(b.list_items()[0], value("RGBA"));
  EXPECT_NE(a, value::make_list({"RGB", "GRAY8"}).value());
  EXPECT_NE(a, value::make_list({"RGB", "RGBA", "GRAY8"}).value());
}

TEST(Value, KindsNeverCompareEqualAcrossTypes) {
  EXPECT_NE(value(1), value(1.0));
  EXPECT_NE(value(1), value(true));
  EXPECT_NE(value(1), value("1"));
  EXPECT_NE(value(1), value(fraction(1)));
  double nan = std::nan("");
  EXPECT_EQ(value(nan), value(nan));
}

TEST(Value, PrintsCapsSyntaxThatKeepsTheKind) {
  EXPECT_EQ(value(640).to_string(), "640");
  EXPECT_EQ(value(-3).to_string(), "-3");
  EXPECT_EQ(value(2.5).to_string(), "2.5");
  EXPECT_EQ(value(2.0).to_string(), "2.0");
  EXPECT_EQ(value(1e20).to_string(), "1e+20");
  EXPECT_EQ(value(std::numeric_limits<double>::infinity()).to_string(), "(double)inf");
  EXPECT_EQ(value(false).to_string(), "false");
  EXPECT_EQ(value("RGBA").to_string(), "RGBA");
  EXPECT_EQ(value("video/x-raw").to_string(), "video/x-raw");
  EXPECT_EQ(value("640x480").to_string(), "640x480");
  EXPECT_EQ(value("two words").to_string(), "\"two words\"");
  EXPECT_EQ(value("30/1").to_string(), "\"30/1\"");
  EXPECT_EQ(value("5").to_string(), "\"5\"");
  EXPECT_EQ(value("true").to_string(), "\"true\"");
  EXPECT_EQ(value("").to_string(), "\"\"");
  EXPECT_EQ(value("say \"hi\"\\").to_string(), "\"say \\\"hi\\\"\\\\\"");
  EXPECT_EQ(value(fraction::make(30000, 1001).value()).to_string(), "30000/1001");
  EXPECT_EQ(value::make_int_range(1, 8192).value().to_string(), "[1,8192]");
  EXPECT_EQ(value::make_int_range(0, 100, 4).value().to_string(), "[0,100,4]");
  EXPECT_EQ(value::make_double_range(0.5, 2).value().to_string(), "[0.5,2.0]");
  EXPECT_EQ(value::make_fraction_range(fraction(1), fraction(60)).value().to_string(),
            "[1/1,60/1]");
  EXPECT_EQ(value::make_list({"RGBA", "RGB", "GRAY8"}).value().to_string(), "{RGBA,RGB,GRAY8}");
}

TEST(Value, ParsesASingleValue) {
  EXPECT_EQ(value::parse("30/1").value(), value(fraction(30)));
  EXPECT_EQ(value::parse(" (int) 5 ").value(), value(5));
  EXPECT_EQ(value::parse("{RGBA, RGB}").value(), value::make_list({"RGBA", "RGB"}).value());
  auto bad = value::parse("5 6");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "value: expected end of input after the value, found '6' at offset 2 in \"5 6\"");
}

}  // namespace value_test
}  // namespace tessera::core
