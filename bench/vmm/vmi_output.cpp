#include "vmi_output.hpp"

#include <charconv>

namespace bench {

namespace {

// Calls `f` on each line of `text` (without its '\n') until it returns false.
template <typename F> void for_each_line(std::string_view text, F f) {
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        if (!f(line) || nl == std::string_view::npos) return;
        text.remove_prefix(nl + 1);
    }
}

std::string_view skip_spaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    return s;
}

// The next whitespace-separated word of `s`, removed from it.
std::string_view next_word(std::string_view& s) {
    s = skip_spaces(s);
    std::size_t n = 0;
    while (n < s.size() && s[n] != ' ' && s[n] != '\t' && s[n] != '\r')
        ++n;
    const std::string_view word = s.substr(0, n);
    s.remove_prefix(n);
    return word;
}

template <typename T> std::optional<T> to_number(std::string_view s, int base = 10) {
    T v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

// The text after `"key":` in a flat JSON object, or nothing. The kernel's lines are flat and
// have no nested quotes, so a key search is enough.
std::optional<std::string_view> field(std::string_view json, std::string_view key) {
    const std::string pattern = "\"" + std::string(key) + "\"";
    const auto at = json.find(pattern);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view rest = skip_spaces(json.substr(at + pattern.size()));
    if (rest.empty() || rest.front() != ':') return std::nullopt;
    return skip_spaces(rest.substr(1));
}

std::optional<std::uint64_t> number_field(std::string_view json, std::string_view key) {
    auto rest = field(json, key);
    if (!rest) return std::nullopt;
    std::size_t n = 0;
    while (n < rest->size() && (*rest)[n] >= '0' && (*rest)[n] <= '9')
        ++n;
    return to_number<std::uint64_t>(rest->substr(0, n));
}

std::optional<std::string> string_field(std::string_view json, std::string_view key) {
    auto rest = field(json, key);
    if (!rest || rest->empty() || rest->front() != '"') return std::nullopt;
    const auto end = rest->find('"', 1);
    if (end == std::string_view::npos) return std::nullopt;
    return std::string(rest->substr(1, end - 1));
}

} // namespace

std::optional<ExitCounts> parse_exit_stats(std::string_view text) {
    enum class Section { None, Reasons, Ports } section = Section::None;
    ExitCounts counts;
    bool have_total = false;
    for_each_line(text, [&](std::string_view line) {
        if (line == "exits by reason:") {
            section = Section::Reasons;
        } else if (line == "port I/O by port:") {
            section = Section::Ports;
        } else if (section == Section::Reasons) {
            // "  IO      20" ... "  total   20"
            std::string_view rest = line;
            if (next_word(rest) != "total") return true;
            const auto total = to_number<std::uint64_t>(next_word(rest));
            if (!total) return false;
            counts.total = *total;
            have_total = true;
        } else if (section == Section::Ports) {
            // "  0x03f8 out     65684"; anything else ends the table.
            std::string_view rest = line;
            const std::string_view port = next_word(rest);
            const std::string_view dir = next_word(rest);
            const auto value = port.starts_with("0x") ? to_number<std::uint16_t>(port.substr(2), 16)
                                                      : std::nullopt;
            const auto count = to_number<std::uint64_t>(next_word(rest));
            if (!value || !count || (dir != "in" && dir != "out")) {
                section = Section::None;
                return true;
            }
            counts.ports.push_back({*value, dir == "out", *count});
        }
        return true;
    });
    if (!have_total) return std::nullopt;
    return counts;
}

std::optional<std::string> find_vmi_line(std::string_view text) {
    std::optional<std::string> found;
    for_each_line(text, [&](std::string_view line) {
        if (!line.starts_with("vmi: ")) return true;
        if (line.ends_with('\r')) line.remove_suffix(1);
        found = std::string(line);
        return false;
    });
    return found;
}

std::optional<KernelBenchLine> find_bench_line(std::string_view text, std::string_view name) {
    std::optional<KernelBenchLine> found;
    for_each_line(text, [&](std::string_view line) {
        if (!line.starts_with("{") || string_field(line, "bench") != std::string(name)) return true;
        const auto cycles = number_field(line, "cycles");
        const auto iterations = number_field(line, "iterations");
        const auto hz = number_field(line, "hz");
        auto unit = string_field(line, "unit");
        if (cycles && iterations && hz && unit)
            found = KernelBenchLine{*cycles, *iterations, *hz, std::move(*unit),
                                    string_field(line, "rom").value_or("")};
        return false;
    });
    return found;
}

} // namespace bench
