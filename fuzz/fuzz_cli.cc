// libFuzzer target: the command line's argument and number parser. Input: arguments
// separated by NUL bytes, then (after an empty argument) standard input. Every input must
// end in a result or a usage error, never a crash or an internal error. `plot` and `demo`
// are left out: they write files; so is the fixed `special` table. The output limits are
// lowered (g_max_jacobian, g_max_table_rows) so that one input takes well under a
// millisecond, not seconds.
#define ACTFN_CLI_NO_MAIN
#include "../tools/actfn.cc"
#include "fuzz_init.h"

#include <cstdlib>
#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args;
  std::string cur, in;
  std::size_t i = 0;
  for (; i < size; ++i) {
    if (data[i] == 0) {
      if (cur.empty()) {
        ++i;
        break;  // an empty argument: the rest is stdin
      }
      args.push_back(cur);
      cur.clear();
    } else {
      cur += static_cast<char>(data[i]);
    }
  }
  if (!cur.empty() && i >= size) args.push_back(cur);
  for (; i < size; ++i) in += static_cast<char>(data[i]);
  if (args.size() > 64 || in.size() > 4096) return 0;
  for (const auto& a : args)
    if (a == "plot" || a == "demo") return 0;
  // `special` alone (or with --markdown) prints the fixed table of every function at its
  // special values (ctest's docs test compares it): 0.5 s a run here, a third of a campaign's
  // time for nothing new. Its argument check still runs for anything else after it.
  if (!args.empty() && args[0] == "special" &&
      (args.size() == 1 || (args.size() == 2 && args[1] == "--markdown")))
    return 0;
  g_max_jacobian = 16;  // the limits' checks, without long printing per input
  g_max_table_rows = 256;
  std::istringstream stdin_text(in);
  std::string out;
  g_in = &stdin_text;
  g_capture = &out;
  try {
    run(args);
  } catch (const UsageError&) {
  } catch (const actfn::Error&) {
  } catch (const actfn::plot::PlotError&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error: %s\n", e.what());
    std::abort();
  }
  g_in = &std::cin;
  g_capture = nullptr;
  return 0;
}
