// node/app/config_file.cpp — reading the options: the command line and
// the config file (CAF's INI format), checked key by key so that a typo or
// a value of the wrong type is told with its file and line, not dropped.
#include "node/app/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <sys/stat.h>

#include <caf/config_value.hpp>
#include <caf/pec.hpp>
#include <caf/settings.hpp>

#include "node/base/text.hpp"
#include "node/app/option_names.hpp"

namespace order_node {

namespace {

// A key of a config file and the line it is on.
struct ini_key {
  std::string category; // "global" for keys before any [category]
  std::string name;
  std::string value; // as written
  size_t line = 0;
};

// The keys of a config file in CAF's INI format: `[category]` lines and
// `name = value` lines; ';' outside a quoted string starts a comment. Lines
// of another shape (the rest of a multi-line list) are skipped: CAF's own
// parser has already accepted the file.
std::vector<ini_key> scan_ini(const std::string& text) {
  std::vector<ini_key> out;
  std::string category = "global";
  std::istringstream in{text};
  std::string raw;
  for (size_t line = 1; std::getline(in, raw); ++line) {
    bool quoted = false;
    size_t end = 0;
    for (; end < raw.size(); ++end) {
      if (raw[end] == '"')
        quoted = !quoted;
      else if (raw[end] == ';' && !quoted)
        break;
    }
    auto x = trim(std::string_view{raw}.substr(0, end));
    if (x.size() > 2 && x.front() == '[' && x.back() == ']') {
      category = std::string{trim(x.substr(1, x.size() - 2))};
      continue;
    }
    auto eq = x.find('=');
    if (eq == std::string_view::npos)
      continue;
    auto name = trim(x.substr(0, eq));
    if (name.empty()
        || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
             != std::string_view::npos)
      continue;
    out.push_back(ini_key{category, std::string{name},
                          std::string{trim(x.substr(eq + 1))}, line});
  }
  return out;
}

// The value CAF's INI parser kept for `key`, or null. A [a.b] section is
// nested in the settings (a { b { ... } }).
const caf::config_value* parsed_value(const caf::settings& xs,
                                      const ini_key& key) {
  if (key.category == "global")
    return caf::get_if(&xs, key.name);
  return caf::get_if(&xs, key.category + "." + key.name);
}

// CAF's name of an option's type as a user reads it: "an integer" rather
// than "a int32".
std::string type_words(caf::string_view type) {
  auto t = to_std(type);
  if (t.rfind("int", 0) == 0 || t.rfind("uint", 0) == 0)
    return "an integer";
  if (t.rfind("real", 0) == 0)
    return "a number";
  if (t == "timespan")
    return "a duration (e.g. 500ms, 2s, 1min)";
  if (t == "boolean")
    return "true or false";
  return "a " + t;
}

// The text of the config file `path`; the problem if it cannot be read.
std::string read_file(const std::string& path, std::string& text) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return "cannot read config file " + path + ": it is a directory";
  std::ifstream f{path};
  if (!f)
    return "cannot read config file " + path + ": " + std::strerror(errno);
  std::ostringstream buf;
  buf << f.rdbuf();
  text = buf.str();
  return {};
}

// "--NAME" followed by `parts`: a sentence about a command-line option.
template <class... Ts>
std::string option_error(const std::string& name, const Ts&... parts) {
  std::string out = "--";
  out += name;
  (out += ... += parts);
  return out;
}

} // namespace

std::string node_config::check_config_file(const std::string& path,
                                           const std::string& text) {
  caf::settings parsed;
  std::istringstream in{text};
  if (auto err = parse_config(in, custom_options_, parsed)) {
    std::string where = path;
    auto& ctx = err.context();
    if (ctx.match_elements<size_t, size_t>())
      where += ":" + std::to_string(ctx.get_as<size_t>(0)) + ":"
               + std::to_string(ctx.get_as<size_t>(1));
    std::string what = err.category() == caf::atom("parser")
                         ? to_string(static_cast<caf::pec>(err.code()))
                         : render(err);
    std::replace(what.begin(), what.end(), '_', ' ');
    return where + ": malformed config file (" + what + ")";
  }
  for (auto& key : scan_ini(text)) {
    auto where = path + ":" + std::to_string(key.line) + ": ";
    auto* opt = custom_options_.qualified_name_lookup(key.category, key.name);
    if (opt == nullptr)
      return where + "unknown option '" + key.name + "'"
             + (key.category == "global" ? "" : " in [" + key.category + "]");
    // CAF's parser drops a value of the wrong type with a warning nobody
    // sees: a known key it did not keep is such a value.
    auto* value = parsed_value(parsed, key);
    if (value == nullptr || opt->check(*value))
      return where + key.name + " must be " + type_words(opt->type_name())
             + ", got " + key.value;
    // CAF itself stores only keys of one-level sections: a [a.b] section
    // reaches it as nested maps and would be ignored. The command line,
    // parsed after, still overrides.
    opt->store(*value);
  }
  return {};
}

std::string node_config::read_options(int argc, char** argv) {
  std::vector<std::string> cli;
  std::vector<const caf::config_option*> set_false;
  std::string file;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() <= 2 || arg.rfind("--", 0) != 0)
      return "unexpected argument '" + arg + "' (options are --name=value)";
    auto eq = arg.find('=');
    auto name = arg.substr(2, eq == std::string::npos ? eq : eq - 2);
    std::optional<std::string> value;
    if (eq != std::string::npos)
      value = arg.substr(eq + 1);
    if (name == "config-file") {
      if (!value || value->empty())
        return "--config-file needs a path (--config-file=PATH)";
      file = *value;
      continue;
    }
    auto* opt = custom_options_.cli_long_name_lookup(name);
    if (opt == nullptr)
      return "unknown option --" + name;
    if (opt->is_flag()) { // CAF takes only the bare --name for true
      if (!value || *value == "true")
        cli.push_back("--" + name);
      else if (*value == "false")
        set_false.push_back(opt);
      else
        return option_error(name, " is true or false, got '", *value, "'");
      continue;
    }
    auto type = to_std(opt->type_name());
    if (!value)
      return option_error(name, " needs a value (--", name, "=<", type, ">)");
    if (!opt->parse(*value))
      return option_error(name, " must be ", type_words(opt->type_name()),
                          ", got '", *value, "'");
    cli.push_back(std::move(arg));
  }
  struct stat st;
  if (file.empty() && ::stat(default_config_file, &st) == 0)
    file = default_config_file;
  std::string text;
  if (!file.empty()) {
    if (auto problem = read_file(file, text); !problem.empty())
      return problem;
    if (auto problem = check_config_file(file, text); !problem.empty())
      return problem;
  }
  std::istringstream ini{text};
  if (auto err = parse(std::move(cli), ini))
    return render(err);
  for (auto* opt : set_false) {
    opt->store(caf::config_value{false});
    caf::put(content, option_key(*opt), false);
  }
  return {};
}

} // namespace order_node
