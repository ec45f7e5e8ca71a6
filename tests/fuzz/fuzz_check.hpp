#pragma once
/// An invariant a fuzz target asserts: a failure prints what broke and aborts, which
/// both libFuzzer and the replay driver report as a crash with the input saved.

#include <cstdio>
#include <cstdlib>

#define TESSERA_FUZZ_CHECK(cond, what)                                             \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "fuzz invariant broken: %s (%s)\n", what, #cond);       \
      std::abort();                                                                \
    }                                                                              \
  } while (0)
