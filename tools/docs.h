// The command line's documents (tools/docs.cc), each as the text it prints.
#pragma once

#include <string>

#include "actfn/actfn.hpp"

namespace actfn::cli {
std::string list_markdown();     // docs/functions.md
std::string special_markdown();  // docs/special-values.md
std::string list_table();        // actfn list
std::string op_help(const actfn::Op& op);  // actfn <function> --help
std::string demo();
std::string gallery_markdown();  // docs/gallery.md (pictures: plot.h's gallery_image)              // actfn demo (the seed's examples and a table)
}  // namespace actfn::cli
