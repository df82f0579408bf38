// sqlfmt: developer tool for router/parser + router/formatter. Reads statements from
// stdin, one per line, and prints one line per input line:
//   OK <normalized SQL>   the statement parsed; the formatter's output
//   ERR <message>         the parse error
// Used by tests/integration/parser_syntax_test.py to compare the normalized text
// against a real server; handy by hand too:  echo 'select 1' | build/tests/router/sqlfmt
#include <iostream>
#include <string>

#include "router/formatter.hpp"
#include "router/parser.hpp"

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto r = shardwire::router::parse(line);
    if (r) {
      std::cout << "OK " << shardwire::router::format(*r) << '\n';
    } else {
      std::cout << "ERR " << r.error().message << '\n';
    }
    std::cout.flush();
  }
  return 0;
}
