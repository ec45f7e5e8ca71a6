#include "core/memory/perms.hpp"

#include <array>
#include <cstdio>
#include <utility>

namespace tessera::core {
namespace {

constexpr std::array<std::pair<perm, std::string_view>, 6> names{{
    {perm::read, "read"},
    {perm::write, "write"},
    {perm::preserve, "preserve"},
    {perm::reuse, "reuse"},
    {perm::reuse2, "reuse2"},
    {perm::align, "align"},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string to_string(perm p) {
  if (p == perm::none) return "none";
  std::string out;
  for (const auto& [bit, name] : names) {
    if (!has_any(p, bit)) continue;
    if (!out.empty()) out += '|';
    out += name;
  }
  const perm unknown = p & ~perm_all;
  if (unknown != perm::none) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned>(unknown));
    if (!out.empty()) out += '|';
    out += hex;
  }
  return out;
}

result<perm> parse_perms(std::string_view text) {
  perm out = perm::none;
  const std::string_view whole = trim(text);
  if (whole == "none") return perm::none;
  if (whole == "all") return perm_all;
  std::string_view rest = whole;
  while (true) {
    const auto bar = rest.find('|');
    const std::string_view word = trim(rest.substr(0, bar));
    bool known = false;
    for (const auto& [bit, name] : names) {
      if (word == name) {
        out |= bit;
        known = true;
        break;
      }
    }
    if (!known) {
      return fail(errc::parse_error, "unknown permission \"" + std::string(word) + "\" in \"" +
                                         std::string(text) +
                                         "\" (expected read, write, preserve, reuse, reuse2, "
                                         "align, none or all, joined by |)");
    }
    if (bar == std::string_view::npos) break;
    rest.remove_prefix(bar + 1);
  }
  return out;
}

}  // namespace tessera::core
