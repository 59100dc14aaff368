// Median and minimum of repeated measurements. The machines are shared and noisy
// (docs/design.md §5), so every figure is reported as the median of interleaved repetitions, with
// the minimum as the least-disturbed run.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace bench {

struct Summary {
    double median = 0;
    double min = 0;
    // Distribution-free ~95 % confidence interval of the median from order statistics
    // (ranks n/2 -+ 0.98 sqrt(n)); for fewer than 6 samples it is just [min, max].
    double median_lo = 0;
    double median_hi = 0;
    std::vector<double> samples; // in measurement order
};

inline Summary summarize(std::vector<double> samples) {
    Summary s;
    s.samples = samples;
    if (samples.empty()) return s;
    std::sort(samples.begin(), samples.end());
    const std::size_t n = samples.size();
    s.median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
    s.min = samples.front();
    // Ranks n/2 -+ 0.98 sqrt(n) (normal approximation to the binomial), here 0-based.
    const double nd = static_cast<double>(n), w = 0.98 * std::sqrt(nd);
    const auto lo = static_cast<std::size_t>(std::max(std::floor(nd / 2 - w) - 1, 0.0));
    const auto hi = static_cast<std::size_t>(std::min(std::ceil(nd / 2 + w), nd - 1));
    s.median_lo = n < 6 ? samples.front() : samples[lo];
    s.median_hi = n < 6 ? samples.back() : samples[hi];
    return s;
}

} // namespace bench
