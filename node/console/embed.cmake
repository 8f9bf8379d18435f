# Writes OUT, a C++ file that holds the console's files (node/console/) as
# string literals, for node/console/console.cpp's find_console_asset(). Run
# by the build (cmake -P) whenever one of them changes:
#   cmake -DSRC=node/console -DOUT=console_assets.cpp -P embed.cmake
set(assets
  "index.html|/|text/html"
  "console.css|/console.css|text/css"
  "console.js|/console.js|text/javascript")
set(semicolon ";")
set(body "// Generated from node/console/ by node/console/embed.cmake: do not edit.\n")
string(APPEND body "#include \"node/console/console.hpp\"\n\nnamespace order_node {\n\n")
string(APPEND body "namespace {\n\nconst console_asset assets[] = {\n")
foreach(entry IN LISTS assets)
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 file)
  list(GET parts 1 path)
  list(GET parts 2 type)
  file(READ "${SRC}/${file}" content)
  string(FIND "${content}" ")console_asset\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file} holds the raw string's delimiter")
  endif()
  string(APPEND body "  {\"${path}\", \"${type}${semicolon} charset=utf-8\",\n   R\"console_asset(${content})console_asset\"},\n")
endforeach()
string(APPEND body "};\n\n} // namespace\n\n")
string(APPEND body "const console_asset* find_console_asset(std::string_view path) {\n")
string(APPEND body "  for (auto& a : assets)\n    if (a.path == path)\n      return &a;\n")
string(APPEND body "  return nullptr;\n}\n\n} // namespace order_node\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
