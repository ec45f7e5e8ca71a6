// The main() of a fuzz target built without libFuzzer (the release, asan and tsan
// presets): it replays every input of the target's corpus, then mutates them for a
// fixed number of runs from a fixed seed, so `make test` runs each target for a few
// seconds, the same inputs every time, under whatever sanitizer the build has.
// `make fuzz` builds the same targets with libFuzzer (coverage-guided) instead.
//
//   <target> [--runs N] [--seed S] [--max-len BYTES] [--budget-ms MS] CORPUS...
//
// An input slower than --budget-ms is a failure (a parser that is quadratic or worse on
// hostile text is a hang in the server). The input being run is written to
// ./fuzz-crash-<target> if the process dies of a signal, to reproduce it with
// `<target> fuzz-crash-<target>`.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using input = std::vector<std::uint8_t>;

// What the signal handler writes: the input in flight (set before every run).
const input* in_flight = nullptr;
char crash_path[256] = "fuzz-crash";

extern "C" void on_fatal_signal(int sig) {
  if (in_flight) {
    int fd = ::open(crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      [[maybe_unused]] auto n = ::write(fd, in_flight->data(), in_flight->size());
      ::close(fd);
    }
    static const char msg[] = "fuzz driver: the input in flight is saved for reproduction\n";
    [[maybe_unused]] auto m = ::write(2, msg, sizeof msg - 1);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

std::vector<input> read_corpus(const std::vector<std::string>& paths) {
  std::vector<input> corpus;
  auto add = [&](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  for (const auto& path : paths) {
    if (std::filesystem::is_directory(path)) {
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::recursive_directory_iterator(path))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());  // the same order on every machine
      for (const auto& f : files) add(f);
    } else {
      add(path);
    }
  }
  return corpus;
}

/// One to four random edits of `x`: bit flips, random bytes, inserts, erases,
/// duplicated runs and splices with another corpus input (libFuzzer's basic moves).
input mutate(input x, const std::vector<input>& corpus, std::mt19937_64& rng, std::size_t max_len) {
  auto pick = [&](std::size_t n) { return n == 0 ? std::size_t{0} : std::size_t(rng() % n); };
  const int edits = 1 + int(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    switch (rng() % 7) {
      case 0:
        if (!x.empty()) x[pick(x.size())] ^= std::uint8_t(1u << (rng() % 8));
        break;
      case 1:
        if (!x.empty()) x[pick(x.size())] = std::uint8_t(rng());
        break;
      case 2:
        x.insert(x.begin() + std::ptrdiff_t(pick(x.size() + 1)), std::uint8_t(rng()));
        break;
      case 3:
        if (!x.empty()) {
          const auto at = pick(x.size());
          const auto n = 1 + pick(std::min<std::size_t>(16, x.size() - at));
          x.erase(x.begin() + std::ptrdiff_t(at), x.begin() + std::ptrdiff_t(at + n));
        }
        break;
      case 4:  // repeat a run: grows nesting and lists, what makes parsers slow
        if (!x.empty()) {
          const auto at = pick(x.size());
          const auto n = 1 + pick(std::min<std::size_t>(32, x.size() - at));
          const input run(x.begin() + std::ptrdiff_t(at), x.begin() + std::ptrdiff_t(at + n));
          const int times = 1 + int(rng() % 8);
          for (int t = 0; t < times; ++t) x.insert(x.begin() + std::ptrdiff_t(at), run.begin(), run.end());
        }
        break;
      case 5:
        if (!corpus.empty()) {
          const auto& other = corpus[pick(corpus.size())];
          if (!other.empty()) {
            const auto from = pick(other.size());
            const auto n = 1 + pick(other.size() - from);
            x.insert(x.begin() + std::ptrdiff_t(pick(x.size() + 1)), other.begin() + std::ptrdiff_t(from),
                     other.begin() + std::ptrdiff_t(from + n));
          }
        }
        break;
      default:  // an interesting byte: delimiters and boundaries
        static constexpr std::uint8_t special[] = {0, 0xff, 0x7f, '\n', ' ', '"', '\\', '!', '=', ',', ';',
                                                   '{', '}', '[', ']', '(', ')', '<', '>', '.', ':', '/', '%'};
        x.insert(x.begin() + std::ptrdiff_t(pick(x.size() + 1)), special[pick(sizeof special)]);
        break;
    }
  }
  if (x.size() > max_len) x.resize(max_len);
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t runs = 0, seed = 1;
  std::size_t max_len = 4096;
  double budget_ms = 2000;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) {
        std::cerr << "fuzz driver: " << flag << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--runs") runs = std::strtoull(value("--runs"), nullptr, 10);
    else if (a == "--seed") seed = std::strtoull(value("--seed"), nullptr, 10);
    else if (a == "--max-len") max_len = std::strtoull(value("--max-len"), nullptr, 10);
    else if (a == "--budget-ms") budget_ms = std::strtod(value("--budget-ms"), nullptr);
    else paths.push_back(a);
  }
  const std::string target = std::filesystem::path(argv[0]).filename().string();
  std::snprintf(crash_path, sizeof crash_path, "fuzz-crash-%s", target.c_str());
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, on_fatal_signal);

  const auto corpus = read_corpus(paths);
  double slowest = 0;
  auto run = [&](const input& x, const char* what, std::uint64_t n) {
    in_flight = &x;
    const auto start = std::chrono::steady_clock::now();
    LLVMFuzzerTestOneInput(x.data(), x.size());
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    slowest = std::max(slowest, ms);
    if (ms > budget_ms) {
      std::ofstream(crash_path, std::ios::binary).write(reinterpret_cast<const char*>(x.data()), std::streamsize(x.size()));
      std::cerr << "fuzz driver: " << what << " " << n << " (" << x.size() << " bytes) took " << ms
                << " ms, over the budget of " << budget_ms << " ms; saved as " << crash_path << "\n";
      std::exit(1);
    }
  };
  for (std::size_t i = 0; i < corpus.size(); ++i) run(corpus[i], "corpus input", i);
  std::mt19937_64 rng(seed);
  for (std::uint64_t i = 0; i < runs; ++i) {
    const input base = corpus.empty() ? input{} : corpus[rng() % corpus.size()];
    run(mutate(base, corpus, rng, max_len), "mutation", i);
  }
  in_flight = nullptr;
  std::cout << "fuzz driver: " << target << ": " << corpus.size() << " corpus inputs and " << runs
            << " mutations (seed " << seed << "), slowest " << slowest << " ms\n";
  return 0;
}
